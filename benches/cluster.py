#!/usr/bin/env python3
"""Cluster figures (README "Scaling out"): the queries of benches/scale.py, and a scan of every
event, over an existing data dir on 0 (no [cluster]), 1, 2 and 3 local `shape worker`
processes. On one 2-core machine the workers share the cores with the coordinator, so this
measures what distribution costs (probing, planning stages, Arrow Flight between processes),
not a speed-up.

Usage: benches/cluster.py --data DIR [--workers 0,1,2,3] [--runs 3] [--config data/shape.toml]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release), a data
dir made by benches/scale.py (--keep) or `shape ingest`."""
import argparse, json, os, socket, statistics, subprocess, time

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--workers", default="0,1,2,3")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--config", default=None)
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
config = args.config or os.path.join(repo, "data", "shape.toml")
base = [shape, "--config", config, "--data-dir", args.data]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_workers(n):
    procs, urls = [], []
    for _ in range(n):
        port = free_port()
        procs.append(subprocess.Popen([shape, "--config", config, "worker", "--listen",
                                       f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit(f"worker on {port} did not start")
                time.sleep(0.1)
    return procs, urls


def seconds(cmd):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - started


def median(cmd):
    seconds(cmd)  # warm the page cache and the workers
    return statistics.median(seconds(cmd) for _ in range(args.runs))


as_of = json.loads(subprocess.run(base + ["query", "--format", "json",
                                          "SELECT max(ts) AS t FROM events"],
                                  check=True, capture_output=True, text=True).stdout)["t"]
queries = {
    "SELECT 1 (start-up, probe)": "SELECT 1",
    "scan: events per component": "SELECT component, count(*), avg(duration_ms) FROM events GROUP BY 1",
    "scan: messages with a word": "SELECT count(*) FROM events WHERE message LIKE '%timeout%'",
    "scan: every ERROR row back": "SELECT ts, component, trace_id, message FROM events WHERE level = 'ERROR'",
    "slo_status + slo_burn_alerts": "SELECT * FROM slo_status; SELECT * FROM slo_burn_alerts",
    "anomalies": "SELECT * FROM anomalies",
    "component_health": "SELECT * FROM component_health",
}
table = {}
for n in [int(x) for x in args.workers.split(",")]:
    procs, urls = start_workers(n)
    try:
        flags = ["--workers", ",".join(urls)] if urls else []
        for name, sql in queries.items():
            table.setdefault(name, {})[n] = median(base + flags + ["query", "--format", "csv",
                                                                   "--as-of", as_of, sql])
        table.setdefault("shape detect", {})[n] = median(base + flags + ["detect", "--as-of", as_of])
    finally:
        for p in procs:
            p.kill()
            p.wait()

counts = sorted(next(iter(table.values())).keys())
print(f"machine: {os.cpu_count()} cores; data dir {args.data}; as_of {as_of}; "
      f"median of {args.runs}, whole process (seconds)")
print("| query | " + " | ".join("one machine" if n == 0 else f"{n} worker{'s' if n > 1 else ''}"
                                 for n in counts) + " |")
print("|---|" + "---|" * len(counts))
for name, by_n in table.items():
    print(f"| {name} | " + " | ".join(f"{by_n[n]:.2f}" for n in counts) + " |")
