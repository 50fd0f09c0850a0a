#!/usr/bin/env python3
"""Scale figures (README "Real volumes"): for each size, generated logs of 30 days with the
31 SLOs of data/shape.toml, ingested into a fresh data dir on local disk; then

  - ingest: MB/s of JSON lines and the peak RSS of `shape ingest`, which brings both rollups
    up to date before it returns;
  - the rows and bytes of the SLO and detection rollups;
  - at one as_of (the end of the data; detection's 7-day lookback): the latency of
    slo_status + slo_burn_alerts, anomalies and component_health (median of 3, the CLI's
    start-up measured with SELECT 1 and subtracted), and of a whole `shape detect`,
    each with the peak RSS of its process.

Usage: benches/scale.py [--events 10M,30M,100M] [--work DIR] [--keep]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release), GNU
time (/usr/bin/time, Debian's `time`) for peak RSS. Disk: about 300 bytes per event for the
JSON lines (deleted after each size unless --keep) plus the data dir."""
import argparse, json, os, shutil, statistics, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("--events", default="10M,30M,100M")
parser.add_argument("--days", type=int, default=30)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--work", default=None)
parser.add_argument("--keep", action="store_true")
parser.add_argument("--queries-only", action="store_true",
                    help="reuse the data dirs of an earlier run (its ingest figures are kept "
                         "in WORK/ingest-N.json) and measure the queries again")
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
config = os.path.join(repo, "data", "shape.toml")
work = args.work or tempfile.mkdtemp(prefix="shape-scale-")
os.makedirs(work, exist_ok=True)


def count(text):
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * factor)


def timed_run(cmd):
    """(seconds, peak RSS in MB, stdout) of one process."""
    started = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - started
    rss_kb = int(out.stderr.strip().splitlines()[-1])
    return seconds, rss_kb / 1024, out.stdout


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(root, f))
               for root, _, files in os.walk(path) for f in files)


def measure(events):
    gen = os.path.join(work, f"gen-{events}")
    data = os.path.join(work, f"data-{events}")
    base = [shape, "--config", config, "--data-dir", data]
    saved = os.path.join(work, f"ingest-{events}.json")
    if args.queries_only:
        input_bytes, ingest_s, ingest_rss = json.load(open(saved))
    else:
        shutil.rmtree(data, ignore_errors=True)
        if not os.path.isdir(gen):
            subprocess.run([shape, "gen", "--out", gen, "--events", str(events), "--days",
                            str(args.days), "--files", "8", "--start", "2026-10-01T00:00:00Z"],
                           check=True, capture_output=True)
        logs = [os.path.join(gen, f) for f in sorted(os.listdir(gen)) if f.endswith(".jsonl")]
        input_bytes = sum(os.path.getsize(f) for f in logs)
        ingest_s, ingest_rss, _ = timed_run(base + ["ingest", "--no-progress", *logs])
        json.dump([input_bytes, ingest_s, ingest_rss], open(saved, "w"))
        if not args.keep:
            shutil.rmtree(gen)

    def query(sql, extra=()):
        out = subprocess.run(base + ["query", "--format", "json", *extra, sql], check=True,
                             capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    as_of = query("SELECT max(ts) AS t FROM events")[0]["t"]
    at = ["--as-of", as_of]
    rollups = {t: (query(f"SELECT count(*) AS n FROM {t}")[0]["n"],
                   dir_bytes(os.path.join(data, t)))
               for t in ("slo_rollups", "detect_rollups")}

    def latency(cmd):
        timed_run(cmd)  # warm the page cache
        samples = [timed_run(cmd) for _ in range(args.runs)]
        return statistics.median(s[0] for s in samples), max(s[1] for s in samples)

    start_up, _ = latency(base + ["query", *at, "SELECT 1"])
    figures = {}
    for name, sql in {
        # Every column and row (a count(*) would let the planner drop most of the work).
        "slo_status + slo_burn_alerts": "SELECT * FROM slo_status; SELECT * FROM slo_burn_alerts",
        "anomalies": "SELECT * FROM anomalies",
        "component_health": "SELECT * FROM component_health",
    }.items():
        seconds, rss = latency(base + ["query", "--format", "csv", *at, sql])
        figures[name] = (seconds - start_up, rss)
    seconds, rss = latency(base + ["detect", *at])
    figures["shape detect (whole process)"] = (seconds, rss)
    return {
        "events": events,
        "input_mb": input_bytes / 1e6,
        "ingest_s": ingest_s,
        "ingest_mb_s": input_bytes / 1e6 / ingest_s,
        "ingest_rss_mb": ingest_rss,
        "rollups": rollups,
        "start_up_s": start_up,
        "figures": figures,
    }


results = [measure(count(n)) for n in args.events.split(",")]
print(f"machine: {os.cpu_count()} cores; {args.days} days of generated logs; "
      f"31 SLOs (data/shape.toml); as_of = end of data; median of {args.runs}")
for r in results:
    print(f"\n{r['events']:,} events ({r['input_mb']:,.0f} MB of JSON lines)")
    print(f"  ingest: {r['ingest_s']:.1f} s = {r['ingest_mb_s']:.0f} MB/s, "
          f"peak RSS {r['ingest_rss_mb']:.0f} MB")
    for table, (rows, size) in r["rollups"].items():
        print(f"  {table}: {rows:,} rows, {size / 1e6:.1f} MB")
    print(f"  CLI start-up (SELECT 1, subtracted below): {r['start_up_s'] * 1000:.0f} ms")
    for name, (seconds, rss) in r["figures"].items():
        print(f"  {name}: {seconds * 1000:.0f} ms, peak RSS {rss:.0f} MB")
