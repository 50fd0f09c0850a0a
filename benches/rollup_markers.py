#!/usr/bin/env python3
"""What the rollup catch-up check costs after a year of `shape run --every 1m` (README "Keeping
a data dir"): a copy of a data dir gets RUNS synthetic past ingest runs (one a minute, before
its real ones), each with its `ingest_log` row and the marker rows a catch-up writes for it (one
per SLO in `slo_rollups`, one in `detect_rollups`), written with DuckDB; then `shape query
"SELECT 1"` (which checks the rollups before every context) is timed. Runs a year of minute
ingests would take days; the markers are what the check reads.

Without watermarks the check reads every marker; with them, the first context after the
upgrade reads them once and writes `_rollup_watermarks.json`, and every later one reads only
the runs after it.

Usage: benches/rollup_markers.py --data DIR [--runs 525600] [--old-binary PATH] [--work DIR]
Needs: duckdb (pip), the release binary at $CARGO_TARGET_DIR/release/shape."""
import argparse, os, shutil, statistics, subprocess, tempfile, time

import duckdb

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="a data dir with ingested runs and rollups")
parser.add_argument("--runs", type=int, default=525_600)
parser.add_argument("--old-binary", default=None, help="another build to compare with")
parser.add_argument("--work", default=None)
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
config = os.path.join(repo, "data", "shape.toml")
work = args.work or tempfile.mkdtemp(prefix="shape-markers-")
data = os.path.join(work, "data")
shutil.rmtree(data, ignore_errors=True)
shutil.copytree(args.data, data)
# As a data dir written before watermarks: the first context reads every marker once.
watermarks = os.path.join(data, "_rollup_watermarks.json")
if os.path.exists(watermarks):
    os.remove(watermarks)

db = duckdb.connect()
parquet = lambda table: f"read_parquet('{data}/{table}/*/*.parquet', hive_partitioning=false)"
first = db.sql(f"SELECT min(ingest_id) FROM {parquet('ingest_log')}").fetchall()[0][0]
# One run a minute, ending a minute before the first real run: ids sort before the real ones.
db.sql(f"""CREATE TABLE runs AS
    SELECT strftime(strptime('{first[:15]}', '%Y%m%dT%H%M%S') - to_minutes({args.runs} - i),
                    '%Y%m%dT%H%M%S') || '000000Z-' || lpad(printf('%x', i), 8, '0') AS run
    FROM range({args.runs}) t(i)""")


def write(table, sql):
    out = os.path.join(data, table, "dt=2025-01-01")
    os.makedirs(out, exist_ok=True)
    db.sql(f"COPY ({sql}) TO '{out}/simulated-past-runs.parquet' "
           "(FORMAT parquet, ROW_GROUP_SIZE 65536, COMPRESSION zstd)")


write("ingest_log", f"""SELECT l.* REPLACE (r.run AS ingest_id, 'sim://past' AS source)
    FROM (SELECT * FROM {parquet('ingest_log')} WHERE "rows" > 0 LIMIT 1) l, runs r
    ORDER BY ingest_id""")
write("slo_rollups", f"""SELECT m.* REPLACE (r.run AS _ingest_id)
    FROM (SELECT DISTINCT ON (slo_id, definition_hash) * FROM {parquet('slo_rollups')}
          WHERE minute IS NULL) m, runs r
    ORDER BY _ingest_id, slo_id""")
write("detect_rollups", f"""SELECT m.* REPLACE (r.run AS _ingest_id)
    FROM (SELECT DISTINCT ON (settings_hash) * FROM {parquet('detect_rollups')}
          WHERE minute IS NULL) m, runs r
    ORDER BY _ingest_id""")
markers = db.sql(f"SELECT count(*) FROM {parquet('slo_rollups')} WHERE minute IS NULL").fetchall()[0][0]
print(f"{args.runs:,} simulated runs; slo_rollups holds {markers:,} marker rows")


def timed(binary):
    start = time.perf_counter()
    subprocess.run([binary, "--config", config, "--data-dir", data, "query", "SELECT 1"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


if args.old_binary:
    old = [timed(args.old_binary) for _ in range(3)]
    print(f"without watermarks: SELECT 1 median {statistics.median(old):.3f} s "
          f"({', '.join(f'{t:.3f}' for t in old)})")
upgrade = timed(shape)
print(f"first context (reads every marker once, writes the watermarks): {upgrade:.3f} s")
steady = [timed(shape) for _ in range(7)]
print(f"with watermarks: SELECT 1 median {statistics.median(steady):.3f} s "
      f"(min {min(steady):.3f}, max {max(steady):.3f})")
