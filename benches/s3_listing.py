#!/usr/bin/env python3
"""One `shape run` cycle over a bucket prefix of many objects, with and without listing from
the cursor (S3 `start-after`): requests and seconds (README "Real volumes").

Against moto's S3 on loopback (its request log counts the requests): OBJECTS one-line objects
under Firehose-style keys (fh/YYYY/MM/DD/HH/...), all committed by one `shape ingest`; then
NEW objects arrive and one cycle reads them, once with `[run] ordered_keys = false` (the whole
prefix is listed and every known object checked) and once from the cursor.

Usage: benches/s3_listing.py [--objects 100000] [--new 10] [--work DIR] [--endpoint URL]
Needs: pip install 'moto[server]' boto3; the release binary (cargo build --release)."""
import argparse, concurrent.futures, os, shutil, socket, subprocess, tempfile, time

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("--objects", type=int, default=100_000)
parser.add_argument("--new", type=int, default=10)
parser.add_argument("--work", default=None)
parser.add_argument("--endpoint", default=None,
                    help="a moto server already running (with its log at WORK/moto.log); "
                         "objects already in its bucket are not uploaded again")
args = parser.parse_args()

target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
work = args.work or tempfile.mkdtemp(prefix="shape-listing-")
os.makedirs(work, exist_ok=True)

if args.endpoint:
    endpoint, moto = args.endpoint, None
    port = int(endpoint.rsplit(":", 1)[1])
    moto_log = open(os.path.join(work, "moto.log"), "a")
else:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    moto_log = open(os.path.join(work, "moto.log"), "w")
    moto = subprocess.Popen(["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=moto_log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
           AWS_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        time.sleep(0.2)
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
try:
    s3.create_bucket(Bucket="logs")
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass

# 24 objects an hour (one every 2.5 minutes, as a Firehose stream with a small buffer writes).
start = 1_790_000_000


def key(i):
    t = time.gmtime(start + i * 150)
    return time.strftime("fh/%Y/%m/%d/%H/", t) + f"stream-{i:07d}.jsonl"


def put(i):
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 150))
    body = f'{{"ts":"{ts}","level":"info","component":"web","msg":"object {i}"}}\n'
    s3.put_object(Bucket="logs", Key=key(i), Body=body.encode())


def put_all(indices):
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, indices))


def requests():
    moto_log.flush()
    with open(moto_log.name) as f:
        return sum(1 for line in f if ' HTTP/1.1" ' in line)


started = time.time()
present = sum(page.get("KeyCount", 0)
              for page in s3.get_paginator("list_objects_v2").paginate(Bucket="logs", Prefix="fh/"))
put_all(range(present, args.objects))
print(f"uploaded {args.objects - present:,} objects in {time.time() - started:.0f} s "
      f"({present:,} were there)")

data = os.path.join(work, "data")
shutil.rmtree(data, ignore_errors=True)


def shape_cmd(data_dir, ordered, *rest):
    config = os.path.join(work, f"shape-{ordered}.toml")
    with open(config, "w") as f:
        f.write(f'[run]\nsources = ["s3://logs/fh/"]\nlate_arrival = "0s"\nordered_keys = {ordered}\n')
    return [shape, "--config", config, "--data-dir", data_dir, *rest]


def measured(cmd):
    before = requests()
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t, requests() - before


seconds, count = measured(shape_cmd(data, "false", "ingest", "--no-progress", "s3://logs/fh/"))
print(f"first ingest of all {args.objects:,}: {seconds:.0f} s, {count:,} requests")
with_cursor = os.path.join(work, "data-cursor")
shutil.rmtree(with_cursor, ignore_errors=True)
shutil.copytree(data, with_cursor)

# Without start-after: new objects arrive; one cycle lists the whole prefix.
put_all(range(args.objects, args.objects + args.new))
full = measured(shape_cmd(data, "false", "run"))
# From the cursor: a first cycle saves it (and reads the same new objects), then more arrive.
measured(shape_cmd(with_cursor, "true", "run"))
put_all(range(args.objects + args.new, args.objects + 2 * args.new))
cursor = measured(shape_cmd(with_cursor, "true", "run"))
if moto:
    moto.terminate()

print(f"machine: {os.cpu_count()} cores; moto on loopback; {args.objects:,} objects committed, "
      f"{args.new} new")
print(f"one cycle, whole prefix listed: {full[0]:.1f} s, {full[1]:,} requests")
print(f"one cycle, listed from the cursor (start-after): {cursor[0]:.2f} s, {cursor[1]:,} requests")
