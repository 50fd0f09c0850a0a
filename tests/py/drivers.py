#!/usr/bin/env python3
"""Python drivers against `shape serve` (psycopg 3 and asyncpg): connect, query a table with a
parameter and a view; timestamps arrive tz-aware, numbers as numbers. Usage: drivers.py PORT"""
import asyncio, datetime, sys
port = int(sys.argv[1])
import psycopg
with psycopg.connect(f"host=127.0.0.1 port={port} user=shape dbname=shape") as conn:
    rows = conn.execute("SELECT component, count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = %s GROUP BY component", ("canvas",)).fetchall()
    print("psycopg", rows)
    assert rows[0][0] == "canvas" and rows[0][1] > 1000
    assert isinstance(rows[0][2], datetime.datetime) and rows[0][2].tzinfo is not None
    assert isinstance(rows[0][3], float)
    status = conn.execute("SELECT slo_id, status, budget_remaining FROM slo_status ORDER BY slo_id").fetchall()
    assert len(status) == 31, status
import asyncpg
async def main():
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user="shape", database="shape")
    rows = await conn.fetch("SELECT component, count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = $1 GROUP BY component", "canvas")
    print("asyncpg", rows)
    assert rows[0]["component"] == "canvas" and rows[0]["n"] > 1000
    assert isinstance(rows[0]["first"], datetime.datetime) and rows[0]["first"].tzinfo is not None
    status = await conn.fetch("SELECT slo_id, status FROM slo_status")
    assert len(status) == 31
    await conn.close()
asyncio.run(main())
print("drivers ok")
