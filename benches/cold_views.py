#!/usr/bin/env python3
"""Cold view latency over pgwire: each query at six `as_of`s not asked before (so neither the
server's result cache nor its kept-warm answers help), in milliseconds, one line per `as_of`.
Start `shape serve` first; HOUR picks the six as_ofs (HH:02..HH:07 on DAY), so a second run
with another HOUR is cold again.

  shape --config data/shape.toml --data-dir /tmp/scale/data-10000000 serve --listen 127.0.0.1:55432 &
  HOUR=17 benches/cold_views.py "SELECT * FROM slo_status" "SELECT * FROM slo_burn_alerts"
"""
import os, sys, time
import psycopg2

port = int(os.environ.get("PORT", "55432"))
day = os.environ.get("DAY", "2026-10-30")
hour = int(os.environ.get("HOUR", "22"))
con = psycopg2.connect(host="127.0.0.1", port=port, user="shape", dbname="shape")
con.autocommit = True
cur = con.cursor()
print("as_of", *[q[:40] for q in sys.argv[1:]], sep=" | ")
for minute in range(2, 8):
    as_of = f"{day}T{hour:02d}:{minute:02d}:00Z"
    cur.execute(f"SET shape.as_of = '{as_of}'")
    took = []
    for sql in sys.argv[1:]:
        start = time.perf_counter()
        cur.execute(sql)
        cur.fetchall()
        took.append(f"{(time.perf_counter() - start) * 1000:.0f}")
    print(as_of, *took, sep=" | ")
