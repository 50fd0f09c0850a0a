#!/usr/bin/env python3
"""Side by side: `shape serve` against PostgreSQL 15 on the same machine, same data, same
clients (pgbench and psycopg 3 over TCP loopback, autocommit).

1. Small-query latency with pgbench, per protocol (simple; extended: Parse/Bind/Execute each
   time; prepared: a named statement): the same small query RUNS times (default 10,000) from
   one client, median and p99 from pgbench's per-transaction log. Two queries: `SELECT 1`
   (protocol and planning overhead) and a filter over the 31-row slo_definitions table.
2. The same two with psycopg 3 (`conn.execute`: extended, prepared after 5 runs).
3. Streaming: the rate of fetching ROWS (default 1,000,000) rows of events into psycopg
   (median of 3 runs).
4. A light query among heavy ones: 50 clients each running aggregations over events (a
   different literal each time, so no cache answers them) while one client runs `SELECT 1`
   1,000 times: its median and p99.
5. With --slo-events N (e.g. 10,000,000): a second data dir of N generated events; the first
   and the repeated `SELECT * FROM slo_status` (median and p99 of 200), with the result cache
   and with it off (`--result-cache 0`). SHAPE only.

Usage: benches/server_vs_postgres.py [--rows N] [--runs N] [--slo-events N] [--work DIR]
Needs: python3 with psycopg (pip install 'psycopg[binary]'); PostgreSQL 15 server binaries
(Debian's postgresql-15, /usr/lib/postgresql/15/bin); the release binary at
$CARGO_TARGET_DIR/release/shape (cargo build --release). As root, PostgreSQL runs as the
`postgres` user. Both servers run with their defaults (SHAPE: --statement-timeout 0)."""
import argparse, glob, os, random, shutil, socket, statistics, subprocess, sys, tempfile
import threading, time
import psycopg

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
parser.add_argument("--runs", type=int, default=10_000)
parser.add_argument("--work", default=None)
parser.add_argument("--slo-events", type=int, default=0)
args = parser.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/shape-target"))
shape = os.path.join(target, "release", "shape")
pg_bin = "/usr/lib/postgresql/15/bin"
config = os.path.join(root, "data", "shape.toml")
work = args.work or tempfile.mkdtemp(prefix="shape-vs-pg-")
os.makedirs(work, exist_ok=True)
os.chmod(work, 0o755)
data = os.path.join(work, "data")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout

# --- the same data for both ------------------------------------------------------------------
if not os.path.isdir(data):
    # About 1.3 events per generated request line; ask for enough lines for ROWS events.
    run(shape, "gen", "--out", os.path.join(work, "logs"), "--events", str(int(args.rows * 1.1)),
        "--days", "7", "--files", "2")
    run(shape, "--config", config, "--data-dir", data, "ingest", os.path.join(work, "logs"))
columns = "ts, service, component, operation, level, status_code, duration_ms, message"
events_csv = os.path.join(work, "events.csv")
slos_csv = os.path.join(work, "slo_definitions.csv")
if not os.path.exists(events_csv):
    with open(events_csv, "w") as out:
        subprocess.run([shape, "--config", config, "--data-dir", data, "query", "--format", "csv",
                        f"SELECT {columns} FROM events"], check=True, stdout=out)
    with open(slos_csv, "w") as out:
        subprocess.run([shape, "--config", config, "--data-dir", data, "query", "--format", "csv",
                        "SELECT slo_id, component, sli, objective FROM slo_definitions"],
                       check=True, stdout=out)
os.chmod(events_csv, 0o644)
os.chmod(slos_csv, 0o644)

# --- PostgreSQL 15 ---------------------------------------------------------------------------
as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
pg_dir = os.path.join(work, "pg")
pg_port = free_port()
if os.path.exists(pg_dir):
    shutil.rmtree(pg_dir)
os.makedirs(pg_dir)
if as_postgres:
    shutil.chown(pg_dir, "postgres", "postgres")
run(*as_postgres, f"{pg_bin}/initdb", "-D", f"{pg_dir}/db", "-A", "trust", "-U", "postgres")
run(*as_postgres, f"{pg_bin}/pg_ctl", "-D", f"{pg_dir}/db", "-l", f"{pg_dir}/log", "-w",
    "-o", f"-p {pg_port} -k {pg_dir} -c listen_addresses=127.0.0.1", "start")

def serve(data_dir, *extra):
    port = free_port()
    process = subprocess.Popen([shape, "--config", config, "--data-dir", data_dir, "serve",
                                "--listen", f"127.0.0.1:{port}", "--statement-timeout", "0",
                                *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dsn = f"host=127.0.0.1 port={port} user=shape dbname=shape"
    deadline = time.time() + 300
    while True:
        try:
            psycopg.connect(dsn).close()
            return process, port, dsn
        except psycopg.OperationalError:
            if time.time() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)

def percentiles(samples_ms):
    samples_ms = sorted(samples_ms)
    return statistics.median(samples_ms), samples_ms[max(int(len(samples_ms) * 0.99) - 1, 0)]

def pgbench(port, user, db, sql, mode):
    """(median, p99) in ms of RUNS runs of `sql` by pgbench over protocol `mode`."""
    logs = tempfile.mkdtemp(dir=work)
    script = os.path.join(logs, "statement.sql")
    with open(script, "w") as f:
        f.write(sql + ";\n")
    subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-n", "-M", mode,
                    "-f", script, "-t", str(args.runs), "-l", "--log-prefix",
                    os.path.join(logs, "log"), db], check=True, capture_output=True)
    latencies = [int(line.split()[2]) / 1000
                 for path in glob.glob(os.path.join(logs, "log*"))
                 for line in open(path)]
    assert len(latencies) == args.runs, len(latencies)
    shutil.rmtree(logs)
    return percentiles(latencies)

servers = []
try:
    server, shape_port, shape_dsn = serve(data)
    servers.append(server)
    pg_dsn = f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, slo_definitions")
        conn.execute("CREATE TABLE events (ts timestamptz, service text, component text, operation text, "
                     "level text, status_code bigint, duration_ms double precision, message text)")
        conn.execute("CREATE TABLE slo_definitions (slo_id text, component text, sli text, objective double precision)")
        for table, path in (("events", events_csv), ("slo_definitions", slos_csv)):
            with open(path) as f, conn.cursor().copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        conn.execute("VACUUM ANALYZE")
        pg_rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    with psycopg.connect(shape_dsn, autocommit=True) as conn:
        shape_rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert shape_rows == pg_rows, (shape_rows, pg_rows)
    stream_rows = min(args.rows, pg_rows)
    print(f"events: {pg_rows:,} rows in both; PostgreSQL {pg_version}; {os.cpu_count()} cores; "
          f"{args.runs:,} runs per small query; streaming {stream_rows:,} rows")

    small_queries = {
        "SELECT 1": "SELECT 1",
        "slo_definitions filter": "SELECT slo_id, objective FROM slo_definitions WHERE component = 'canvas'",
    }
    stream_sql = (f"SELECT ts, service, component, operation, level, duration_ms FROM events "
                  f"LIMIT {stream_rows}")

    def latency(dsn, sql):
        with psycopg.connect(dsn, autocommit=True) as conn:
            for _ in range(100):  # warm up
                conn.execute(sql).fetchall()
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter_ns()
                conn.execute(sql).fetchall()
                samples.append(time.perf_counter_ns() - start)
        samples.sort()
        return statistics.median(samples) / 1e6, samples[int(len(samples) * 0.99) - 1] / 1e6

    def streaming(dsn):
        rates = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            for _ in range(3):
                start = time.perf_counter()
                n = 0
                with conn.cursor() as cur:
                    cur.execute(stream_sql)
                    while batch := cur.fetchmany(10_000):
                        n += len(batch)
                elapsed = time.perf_counter() - start
                assert n == stream_rows, n
                rates.append(n / elapsed)
        return statistics.median(rates)

    print(f"{'measure':40} {'SHAPE':>14} {'PostgreSQL 15':>14} {'SHAPE / PG':>10}")
    def row(name, shape_value, pg_value, unit_format="14.3f"):
        print(f"{name:40} {shape_value:{unit_format}} {pg_value:{unit_format}} "
              f"{shape_value / pg_value:9.2f}x")
    for name, sql in small_queries.items():
        for mode in ("simple", "extended", "prepared"):
            s_med, s_p99 = pgbench(shape_port, "shape", "shape", sql, mode)
            p_med, p_p99 = pgbench(pg_port, "postgres", "postgres", sql, mode)
            row(f"{name}, pgbench {mode}, median (ms)", s_med, p_med)
            row(f"{name}, pgbench {mode}, p99 (ms)", s_p99, p_p99)
    for name, sql in small_queries.items():
        s_med, s_p99 = latency(shape_dsn, sql)
        p_med, p_p99 = latency(pg_dsn, sql)
        row(f"{name}, psycopg, median (ms)", s_med, p_med)
        row(f"{name}, psycopg, p99 (ms)", s_p99, p_p99)
    s_rate = streaming(shape_dsn)
    p_rate = streaming(pg_dsn)
    row("streaming (rows/s)", s_rate, p_rate, "14,.0f")

    def light_among_heavy(dsn):
        stop = threading.Event()
        def heavy():
            with psycopg.connect(dsn, autocommit=True) as conn:
                while not stop.is_set():
                    limit = random.uniform(0, 100)
                    conn.execute("SELECT component, operation, count(*), avg(duration_ms), "
                                 f"max(duration_ms) FROM events WHERE duration_ms > {limit:.6f} "
                                 "GROUP BY component, operation").fetchall()
        workers = [threading.Thread(target=heavy) for _ in range(50)]
        for w in workers:
            w.start()
        time.sleep(5)
        samples = []
        with psycopg.connect(dsn, autocommit=True) as conn:
            for _ in range(1000):
                start = time.perf_counter_ns()
                conn.execute("SELECT 1").fetchall()
                samples.append((time.perf_counter_ns() - start) / 1e6)
        stop.set()
        for w in workers:
            w.join()
        return percentiles(samples)
    s_med, s_p99 = light_among_heavy(shape_dsn)
    p_med, p_p99 = light_among_heavy(pg_dsn)
    row("SELECT 1 among 50 heavy, median (ms)", s_med, p_med)
    row("SELECT 1 among 50 heavy, p99 (ms)", s_p99, p_p99)

    if args.slo_events:
        slo_data = os.path.join(work, f"slo-data-{args.slo_events}")
        if not os.path.isdir(slo_data):
            logs = os.path.join(work, f"slo-logs-{args.slo_events}")
            run(shape, "gen", "--out", logs, "--events", str(args.slo_events), "--days", "30",
                "--files", "4")
            run(shape, "--config", config, "--data-dir", slo_data, "ingest", logs)
            shutil.rmtree(logs)
        print(f"\nslo_status over {args.slo_events:,} generated events (30 days), SHAPE only")
        for label, extra in (("result cache on", ()), ("result cache off", ("--result-cache", "0"))):
            process, _, dsn = serve(slo_data, *extra)
            servers.append(process)
            with psycopg.connect(dsn, autocommit=True) as conn:
                start = time.perf_counter()
                conn.execute("SELECT * FROM slo_status").fetchall()
                first = (time.perf_counter() - start) * 1000
                samples = []
                for _ in range(200):
                    start = time.perf_counter_ns()
                    conn.execute("SELECT * FROM slo_status").fetchall()
                    samples.append((time.perf_counter_ns() - start) / 1e6)
            med, p99 = percentiles(samples)
            print(f"{label:20} first {first:10.1f} ms   repeated median {med:8.3f} ms   "
                  f"p99 {p99:8.3f} ms")
            process.terminate()
            process.wait()
finally:
    for server in servers:
        server.terminate()
        server.wait()
    subprocess.run([*as_postgres, f"{pg_bin}/pg_ctl", "-D", f"{pg_dir}/db", "-m", "fast", "stop"],
                   capture_output=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
