#!/usr/bin/env python3
"""Side by side: SLO evaluation (status over each SLO's window plus burn rates over the 8
short/long alert windows, for every SLO of data/shape.toml) by SHAPE from rollups and from raw
events, and by DuckDB over the same Parquet files (raw events; DuckDB has no rollups).

Usage: benches/slo_vs_duckdb.py DATA_DIR AS_OF   (DATA_DIR ingested with data/shape.toml)
Needs: pip install duckdb; SHAPE binary at $CARGO_TARGET_DIR/release/shape (cargo build --release).
Occurrences SLOs are compared (DuckDB computes sum(good)/sum(total) per window with the
same predicates); the SHAPE figure is the whole slo_status + slo_burn_alerts views."""
import os, subprocess, sys, time, json, statistics
import duckdb

data_dir, as_of = sys.argv[1], sys.argv[2]
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
config = os.path.join(root, "data", "shape.toml")

def shape_json(sql, extra=()):
    out = subprocess.run([shape, "--config", config, "--data-dir", data_dir, "query", "--format", "json",
                          "--as-of", as_of, *extra, sql], check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]

slos = shape_json("SELECT slo_id, window_seconds, total_sql, good_sql FROM slo_definitions WHERE budgeting = 'occurrences'")
windows = sorted({300, 1800, 3600, 7200, 21600, 86400, 259200})
con = duckdb.connect()
con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{data_dir}/events/*/*.parquet', hive_partitioning = true)")
# One scan with conditional sums (DuckDB's best shape for this): for every SLO, good and total
# over its window and over each alert window.
sums = []
for i, s in enumerate(slos):
    scope = f"({s['total_sql']}) AND ts >= TIMESTAMPTZ '{as_of}' - INTERVAL {s['window_seconds']} SECOND"
    sums.append(f"sum(CASE WHEN {scope} AND ({s['good_sql']}) THEN 1 ELSE 0 END) AS g{i}")
    sums.append(f"sum(CASE WHEN {scope} THEN 1 ELSE 0 END) AS t{i}")
    for w in windows:
        window = f"({s['total_sql']}) AND ts >= TIMESTAMPTZ '{as_of}' - INTERVAL {w} SECOND"
        sums.append(f"sum(CASE WHEN {window} AND ({s['good_sql']}) THEN 1 ELSE 0 END) AS g{i}_{w}")
        sums.append(f"sum(CASE WHEN {window} THEN 1 ELSE 0 END) AS t{i}_{w}")
longest = max(int(s['window_seconds']) for s in slos)
duck_sql = (f"SELECT {', '.join(sums)} FROM events WHERE ts >= TIMESTAMPTZ '{as_of}' - INTERVAL {longest} SECOND "
            f"AND ts < TIMESTAMPTZ '{as_of}'")

def timed(fn, runs=5):
    fn()  # warm up (file metadata, caches)
    samples = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); samples.append(time.perf_counter() - start)
    return statistics.median(samples)

duck = timed(lambda: con.execute(duck_sql).fetchall())
sql = ("SELECT count(*), sum(budget_remaining), sum(burn_rate) FROM slo_status; "
       "SELECT count(*), sum(CASE WHEN firing THEN 1 ELSE 0 END), sum(long_burn_rate), sum(short_burn_rate) FROM slo_burn_alerts")
# Process start and context set-up are measured separately and subtracted.
baseline = timed(lambda: shape_json("SELECT 1"))
rollups = timed(lambda: shape_json(sql)) - baseline
raw = timed(lambda: shape_json(sql, ["--slo-minutes", "raw"]), runs=3) - baseline
events = shape_json("SELECT count(*) AS n FROM events")[0]["n"]
print(f"events: {events:,}; SLOs: {len(slos)} occurrences SLOs compared ({len(shape_json('SELECT slo_id FROM slo_definitions'))} in SHAPE's views)")
print(f"SHAPE slo_status + slo_burn_alerts from rollups: {rollups * 1000:8.1f} ms (median of 5, CLI start-up of {baseline * 1000:.0f} ms subtracted)")
print(f"SHAPE slo_status + slo_burn_alerts from raw events: {raw * 1000:8.1f} ms (median of 3, same subtraction)")
print(f"DuckDB status + 7 burn windows from raw Parquet (one scan):  {duck * 1000:8.1f} ms (median of 5)")
