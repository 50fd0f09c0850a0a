#!/usr/bin/env python3
"""Side by side: `shape serve` against PostgreSQL 15 on the same machine, same data, same
client (psycopg 3 over TCP loopback, one connection, autocommit).

1. Small-query latency: the same small query, RUNS times (default 10,000) from one client;
   median and p99 per query. Two queries: `SELECT 1` (protocol and planning overhead) and a
   filter over the 31-row slo_definitions table.
2. Streaming: the rate of fetching ROWS (default 1,000,000) rows of events into psycopg
   (median of 3 runs).

Usage: benches/server_vs_postgres.py [--rows N] [--runs N] [--work DIR]
Needs: python3 with psycopg (pip install 'psycopg[binary]'); PostgreSQL 15 server binaries
(Debian's postgresql-15, /usr/lib/postgresql/15/bin); the release binary at
$CARGO_TARGET_DIR/release/shape (cargo build --release). As root, PostgreSQL runs as the
`postgres` user. Both servers run with their defaults (SHAPE: --statement-timeout 0)."""
import argparse, os, shutil, socket, statistics, subprocess, sys, tempfile, time
import psycopg

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
parser.add_argument("--runs", type=int, default=10_000)
parser.add_argument("--work", default=None)
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

shape_port = free_port()
server = subprocess.Popen([shape, "--config", config, "--data-dir", data, "serve",
                           "--listen", f"127.0.0.1:{shape_port}", "--statement-timeout", "0"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    pg_dsn = f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres"
    shape_dsn = f"host=127.0.0.1 port={shape_port} user=shape dbname=shape"
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
    deadline = time.time() + 60
    while True:
        try:
            psycopg.connect(shape_dsn).close()
            break
        except psycopg.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
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

    print(f"{'measure':32} {'SHAPE':>14} {'PostgreSQL 15':>14} {'SHAPE / PG':>10}")
    for name, sql in small_queries.items():
        s_med, s_p99 = latency(shape_dsn, sql)
        p_med, p_p99 = latency(pg_dsn, sql)
        print(f"{name + ' median (ms)':32} {s_med:14.3f} {p_med:14.3f} {s_med / p_med:9.2f}x")
        print(f"{name + ' p99 (ms)':32} {s_p99:14.3f} {p_p99:14.3f} {s_p99 / p_p99:9.2f}x")
    s_rate = streaming(shape_dsn)
    p_rate = streaming(pg_dsn)
    print(f"{'streaming (rows/s)':32} {s_rate:14,.0f} {p_rate:14,.0f} {s_rate / p_rate:9.2f}x")
finally:
    server.terminate()
    server.wait()
    subprocess.run([*as_postgres, f"{pg_bin}/pg_ctl", "-D", f"{pg_dir}/db", "-m", "fast", "stop"],
                   capture_output=True)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
