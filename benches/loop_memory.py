#!/usr/bin/env python3
"""The loop's memory over many cycles (README "Keeping a data dir"): `shape run --every 1s`
with the 31 SLOs of data/shape.toml over a log that grows by RATE lines a second (generated
lines, stamped with the current time as they are appended), compaction on (the default).
The RSS of the process is read from /proc after every cycle; printed at a few cycle counts,
and every sample in WORK/rss.csv.

Usage: benches/loop_memory.py [--cycles 1000] [--rate 100] [--grow-cycles N] [--work DIR]
Needs: the release binary at $CARGO_TARGET_DIR/release/shape (cargo build --release)."""
import argparse, os, re, shutil, subprocess, tempfile, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--cycles", type=int, default=1000)
parser.add_argument("--rate", type=int, default=100)
parser.add_argument("--work", default=None)
parser.add_argument("--grow-cycles", type=int, default=0,
                    help="stop growing the log after this many cycles (0: grow all along), "
                         "to tell memory that follows the data from memory that follows cycles")
args = parser.parse_args()

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
work = args.work or tempfile.mkdtemp(prefix="shape-loop-")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
gen = os.path.join(work, "gen")
subprocess.run([shape, "gen", "--out", gen, "--events", "200000", "--days", "1", "--files", "1"],
               check=True, capture_output=True)
template = open([os.path.join(gen, f) for f in os.listdir(gen) if f.endswith(".jsonl")][0]).readlines()
log = os.path.join(work, "app.jsonl")
open(log, "w").close()
stop = threading.Event()
cycles = 0
stamp = re.compile(r'"ts":"[^"]*"')


def grow():
    i = 0
    while not stop.is_set():
        if args.grow_cycles and cycles >= args.grow_cycles:
            stop.wait(1.0)
            continue
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
        with open(log, "a") as f:
            for _ in range(args.rate):
                f.write(stamp.sub(f'"ts":"{now}"', template[i % len(template)], count=1))
                i += 1
        stop.wait(1.0)


writer = threading.Thread(target=grow, daemon=True)
writer.start()
time.sleep(2)
loop = subprocess.Popen(
    [shape, "--config", os.path.join(repo, "data", "shape.toml"), "--data-dir",
     os.path.join(work, "data"), "--set", f'run.sources=["{log}"]', "run", "--every", "1s"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


samples = {}
started = time.time()
for line in loop.stdout:
    if line.startswith("cycle at"):
        cycles += 1
        samples[cycles] = rss_mb(loop.pid)
        if cycles >= args.cycles + 1:
            break
loop.terminate()
stop.set()
elapsed = time.time() - started
files = sum(1 for _, _, names in os.walk(os.path.join(work, "data"))
            for n in names if n.endswith(".parquet"))
with open(os.path.join(work, "rss.csv"), "w") as f:
    f.write("cycle,rss_mb\n" + "".join(f"{n - 1},{mb:.1f}\n" for n, mb in sorted(samples.items())))
print(f"machine: {os.cpu_count()} cores; `shape run --every 1s`, {args.rate} lines/s, "
      f"{args.cycles} cycles in {elapsed / 60:.0f} min; {files} Parquet files at the end")
for n in sorted({10, 50, 100, 200, 500, 750, 1000, args.cycles}):
    # The RSS read as cycle n+1 starts is what cycle n left.
    if n + 1 in samples:
        print(f"RSS after {n} cycles: {samples[n + 1]:.0f} MB")
if 101 in samples and args.cycles + 1 in samples:
    print(f"after {args.cycles} vs after 100: {samples[args.cycles + 1] / samples[101] - 1:+.1%}")
