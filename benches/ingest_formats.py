#!/usr/bin/env python3
"""Ingest speed per format family: the same generated events written as JSON lines, as a
log4j-style text log, as a text log where every 20th event carries a 6-line stack trace
(multi-line), as RFC 3164 syslog, as Kubernetes CRI lines, as an IIS W3C log and as a CSV
export with a header line, each
ingested by the release `shape` binary into a fresh data dir; the JSON file also with
`--format json` (detection skipped), which measures what per-source detection costs. Median
of RUNS runs, MB/s of input.

Usage: benches/ingest_formats.py [--events N] [--runs N] [--work DIR]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release)."""
import argparse, json, os, shutil, statistics, subprocess, tempfile, time

parser = argparse.ArgumentParser()
parser.add_argument("--events", type=int, default=1_000_000)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--work", default=None)
args = parser.parse_args()

target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
work = args.work or tempfile.mkdtemp(prefix="shape-formats-")
os.makedirs(work, exist_ok=True)

gen = os.path.join(work, "gen")
if not os.path.isdir(gen):
    subprocess.run([shape, "gen", "--out", gen, "--events", str(args.events), "--days", "7",
                    "--files", "1"], check=True, capture_output=True)
source = [os.path.join(gen, f) for f in os.listdir(gen) if f.endswith(".jsonl")][0]

TRACE = ("java.lang.IllegalStateException: {msg}\n"
         "\tat com.renderx.{component}.Handler.handle(Handler.java:42)\n"
         "\tat com.renderx.core.Dispatcher.dispatch(Dispatcher.java:118)\n"
         "Caused by: java.net.SocketTimeoutException: Read timed out\n"
         "\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:168)\n"
         "\t... 12 more\n")

def convert():
    files = {name: open(os.path.join(work, name), "w") for name in
             ["events.jsonl", "text.log", "multiline.log", "syslog.log", "cri.log"]}
    with open(source) as lines:
        for i, line in enumerate(lines):
            files["events.jsonl"].write(line)
            e = json.loads(line)
            ts = e["ts"].replace("T", " ").rstrip("Z").replace(".", ",")
            text = (f"{ts} {e['level']:<5} [worker-{i % 8}] com.renderx.{e['component']} - "
                    f"{e['msg']} op={e['operation']} status={e.get('status', 0)} "
                    f"duration={e.get('duration_ms', 0)}ms trace={e.get('trace_id', '-')}\n")
            files["text.log"].write(text)
            files["multiline.log"].write(text)
            if i % 20 == 0:
                files["multiline.log"].write(TRACE.format(msg=e["msg"], component=e["component"]))
            stamp = time.strftime("%b %e %H:%M:%S", time.strptime(e["ts"][:19], "%Y-%m-%dT%H:%M:%S"))
            files["syslog.log"].write(f"<14>{stamp} {e.get('host', 'web-1')} renderx[{1000 + i % 8}]: "
                                      f"{e['level']} {e['msg']} op={e['operation']} status={e.get('status', 0)}\n")
            files["cri.log"].write(f"{e['ts']} stdout F {line}")
    for f in files.values():
        f.close()
    # Written long ago: nothing is held back as a file still being written.
    for name in files:
        os.utime(os.path.join(work, name), (time.time() - 3600, time.time() - 3600))

if not os.path.exists(os.path.join(work, "cri.log")):
    convert()

W3C_FIELDS = ("date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
              "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken")

def convert_w3c():
    """The same events as an IIS W3C log: a directive block, then a line per event."""
    path = os.path.join(work, "w3c.log")
    with open(source) as lines, open(path, "w") as out:
        out.write(f"#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
                  f"#Fields: {W3C_FIELDS}\n")
        for i, line in enumerate(lines):
            e = json.loads(line)
            date, clock = e["ts"].rstrip("Z").split("T")
            out.write(f"{date} {clock[:8]} 10.0.0.4 GET /{e['component']}/{e['operation']} "
                      f"trace={e.get('trace_id', '-')} 443 - 203.0.113.{i % 250} curl/8.5.0 - "
                      f"{e.get('status', 200)} 0 0 {round(e.get('duration_ms', 0))}\n")
    os.utime(path, (time.time() - 3600, time.time() - 3600))

if not os.path.exists(os.path.join(work, "w3c.log")):
    convert_w3c()

CSV_COLUMNS = ["timestamp", "level", "service", "component", "operation", "status",
               "duration_ms", "trace_id", "message"]

def convert_csv():
    """The same events as a CSV export: a header line, then a row per event."""
    import csv
    path = os.path.join(work, "export.csv")
    with open(source) as lines, open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for line in lines:
            e = json.loads(line)
            writer.writerow([e["ts"], e["level"], e.get("service", ""), e["component"],
                             e["operation"], e.get("status", ""), e.get("duration_ms", ""),
                             e.get("trace_id", ""), e["msg"]])
    os.utime(path, (time.time() - 3600, time.time() - 3600))

if not os.path.exists(os.path.join(work, "export.csv")):
    convert_csv()

def run(name, *extra):
    path = os.path.join(work, name)
    size = os.path.getsize(path)
    times = []
    for _ in range(args.runs):
        data = os.path.join(work, "data")
        shutil.rmtree(data, ignore_errors=True)
        # The previous run's Parquet is still being written back by the kernel: without a
        # sync the next run pays for it (a pair of identical runs differed by a quarter).
        os.sync()
        start = time.perf_counter()
        out = subprocess.run([shape, "--data-dir", data, "ingest", "--no-progress", path, *extra],
                             check=True, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    fmt = next((l.split()[1] for l in out.splitlines() if l.split()[:1] in (["new"], ["replaced"])), "?")
    rows = next((l for l in out.splitlines() if l.startswith("total:")), "")
    print(f"{name + ' ' + ' '.join(extra):<28} {fmt:<9} {size / 1e6:>8.1f} MB {median:>7.2f} s "
          f"{size / 1e6 / median:>7.1f} MB/s   {rows}", flush=True)

print(f"{os.cpu_count()} cores; {args.events:,} generated events; median of {args.runs} runs")
run("events.jsonl", "--format", "json")
run("events.jsonl")
run("text.log")
run("multiline.log")
run("syslog.log")
run("cri.log")
run("w3c.log")
run("export.csv")
