#!/usr/bin/env python3
"""Small files from a loop, before and after compaction. Generated logs of DAYS days are fed
to a data dir in INGESTS pieces, one `shape ingest` per piece (as `shape run --every` does:
each piece is appended to the same file, only new bytes are read), with the 31 SLOs of
data/shape.toml. Then: the Parquet file count per table, and the median latency of a few
queries; `shape compact`; the same again. Figures for the README ("Keeping a data dir").

Usage: benches/compaction_days.py [--days 5] [--ingests 720] [--events 400000] [--work DIR]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release)."""
import argparse, collections, os, shutil, statistics, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("--days", type=int, default=5)
parser.add_argument("--ingests", type=int, default=720)
parser.add_argument("--events", type=int, default=400_000)
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--work", default=None)
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
work = args.work or tempfile.mkdtemp(prefix="shape-compaction-")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
config = os.path.join(repo, "data", "shape.toml")
data = os.path.join(work, "data")
base = [shape, "--config", config, "--data-dir", data]

gen = os.path.join(work, "gen")
subprocess.run([shape, "gen", "--out", gen, "--events", str(args.events), "--days",
                str(args.days), "--files", "1"], check=True, capture_output=True)
source = [os.path.join(gen, f) for f in os.listdir(gen) if f.endswith(".jsonl")][0]
lines = open(source, "rb").read().splitlines(keepends=True)
growing = os.path.join(work, "app.jsonl")

started = time.time()
per_piece = -(-len(lines) // args.ingests)
with open(growing, "wb") as out:
    for i in range(0, len(lines), per_piece):
        out.write(b"".join(lines[i:i + per_piece]))
        out.flush()
        subprocess.run(base + ["ingest", "--no-progress", growing], check=True,
                       capture_output=True)
ingest_seconds = time.time() - started

def files():
    counts = collections.Counter()
    partitions = collections.defaultdict(set)
    for root, _, names in os.walk(data):
        rel = os.path.relpath(root, data).split(os.sep)
        if rel[0].startswith("_"):
            continue
        for name in names:
            if name.endswith(".parquet"):
                counts[rel[0]] += 1
                partitions[rel[0]].add(rel[1] if len(rel) > 1 else "")
    return {t: (counts[t], max(1, len(partitions[t]))) for t in counts}

QUERIES = {
    "events count": "SELECT count(*) FROM events",
    "slo_status": "SELECT count(*) FROM slo_status",
    "anomalies": "SELECT count(*) FROM anomalies",
}
as_of = subprocess.run(base + ["query", "--format", "csv",
                               "SELECT max(ts) FROM events"],
                       check=True, capture_output=True, text=True).stdout.splitlines()[1]

def latencies():
    out = {}
    for name, sql in QUERIES.items():
        times = []
        for _ in range(args.runs):
            t = time.time()
            subprocess.run(base + ["query", "--as-of", as_of, sql], check=True,
                           capture_output=True)
            times.append(time.time() - t)
        out[name] = statistics.median(times)
    return out

before_files, before_latency = files(), latencies()
t = time.time()
subprocess.run(base + ["compact"], check=True, capture_output=True)
compact_seconds = time.time() - t
after_files, after_latency = files(), latencies()

print(f"{args.ingests} ingests of {len(lines)} events over {args.days} days "
      f"({ingest_seconds:.0f} s), {os.cpu_count()} cores")
print("| table | files before (per partition) | files after (per partition) |")
print("|---|---|---|")
for table in sorted(before_files):
    (b, bp), (a, ap) = before_files[table], after_files.get(table, (0, 1))
    print(f"| {table} | {b} ({b / bp:.0f}) | {a} ({a / ap:.1f}) |")
print(f"\n`shape compact`: {compact_seconds:.1f} s\n")
print("| query (whole process, median) | before | after |")
print("|---|---|---|")
for name in QUERIES:
    print(f"| {name} | {before_latency[name] * 1000:.0f} ms | {after_latency[name] * 1000:.0f} ms |")
