#!/usr/bin/env python3
"""A simulated year of a loop (README "Real volumes"): generated logs of DAYS days, fed to a
data dir day by day in PIECES ingests a day (each appends to the same file and reads only the
new bytes, as `shape run --every` does), with `shape compact` after each day (what `[run]
compact` does in the loop, once `min_small_files` small files have gathered). At checkpoints:
files per table partition, and the latency of a few queries evaluated at that day's end, so
that day 365 can be compared with day 1. No retention: every partition is kept (the worst case).

Usage: benches/year.py [--days 365] [--pieces 4] [--events 2000000] [--work DIR]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release)."""
import argparse, collections, os, re, shutil, statistics, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("--days", type=int, default=365)
parser.add_argument("--pieces", type=int, default=4)
parser.add_argument("--events", type=int, default=2_000_000)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--work", default=None)
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
work = args.work or tempfile.mkdtemp(prefix="shape-year-")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
data = os.path.join(work, "data")
base = [shape, "--config", os.path.join(repo, "data", "shape.toml"), "--data-dir", data]

gen = os.path.join(work, "gen")
subprocess.run([shape, "gen", "--out", gen, "--events", str(args.events), "--days",
                str(args.days), "--files", "1", "--start", "2025-12-01T00:00:00Z"],
               check=True, capture_output=True)
source = [os.path.join(gen, f) for f in os.listdir(gen) if f.endswith(".jsonl")][0]
by_day = collections.defaultdict(list)
stamp = re.compile(rb'"(\d{4}-\d{2}-\d{2})T')
for line in open(source, "rb"):
    found = stamp.search(line)
    by_day[found.group(1).decode() if found else None].append(line)
days = sorted(d for d in by_day if d)
growing = os.path.join(work, "app.jsonl")

CHECKPOINTS = {1, 7, 30, 90, 180, 365, args.days}
QUERIES = {
    "slo_status + slo_burn_alerts":
        "SELECT count(*) FROM slo_status; SELECT count(*) FROM slo_burn_alerts",
    "anomalies": "SELECT count(*) FROM anomalies",
    "events of the last hour": "SELECT count(*) FROM events WHERE ts > TIMESTAMP '{as_of}' - INTERVAL '1 hour'",
}


def files_per_partition():
    per = collections.defaultdict(collections.Counter)
    for root, _, names in os.walk(data):
        rel = os.path.relpath(root, data).split(os.sep)
        if rel[0].startswith("_") or len(rel) < 2:
            continue
        per[rel[0]][rel[1]] += sum(1 for n in names if n.endswith(".parquet"))
    return {t: (sum(c.values()), len(c), max(c.values())) for t, c in per.items()}


def latency(as_of, sql):
    samples = []
    for _ in range(args.runs + 1):
        t = time.perf_counter()
        subprocess.run(base + ["query", "--as-of", as_of, sql], check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples[1:])


rows = []
ingest_s = compact_s = 0.0
with open(growing, "wb") as out:
    for number, day in enumerate(days, start=1):
        lines = by_day[day]
        per_piece = -(-len(lines) // args.pieces)
        for i in range(0, len(lines), per_piece):
            out.write(b"".join(lines[i:i + per_piece]))
            out.flush()
            t = time.perf_counter()
            subprocess.run(base + ["ingest", "--no-progress", growing], check=True,
                           capture_output=True)
            ingest_s += time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run(base + ["compact"], check=True, capture_output=True)
        compact_s += time.perf_counter() - t
        if number in CHECKPOINTS:
            as_of = f"{day}T23:59:59Z"
            start_up = latency(as_of, "SELECT 1")
            figures = {name: latency(as_of, sql.format(as_of=as_of)) - start_up
                       for name, sql in QUERIES.items()}
            rows.append((number, files_per_partition(), start_up, figures))
            print(f"day {number} done", flush=True)

print(f"machine: {os.cpu_count()} cores; {args.events:,} generated events over {len(days)} days, "
      f"{args.pieces} ingests a day ({len(days) * args.pieces} in all, {ingest_s:.0f} s), "
      f"`shape compact` after each day ({compact_s:.0f} s in all); 31 SLOs")
print("| day | files (partitions, most in one) per table | CLI start-up | " +
      " | ".join(QUERIES) + " |")
print("|---" * (3 + len(QUERIES)) + "|")
for number, files, start_up, figures in rows:
    per_table = "; ".join(f"{t} {n} ({p}, {m})" for t, (n, p, m) in sorted(files.items()))
    print(f"| {number} | {per_table} | {start_up * 1000:.0f} ms | " +
          " | ".join(f"{figures[q] * 1000:.0f} ms" for q in QUERIES) + " |")
