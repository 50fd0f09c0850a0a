#!/usr/bin/env python3
"""Python drivers against `shape serve` (psycopg 3 and asyncpg): connect, query a table with a
parameter and a view; timestamps arrive tz-aware, numbers as numbers; a failing statement raises
the driver's exception for its SQLSTATE, with the cursor position, and the session goes on.
Usage: drivers.py PORT"""
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
    from psycopg import errors
    failures = [
        ("SELEC 1", errors.SyntaxError),
        ("SELECT * FROM no_such_table", errors.UndefinedTable),
        ("SELECT no_such_column FROM events", errors.UndefinedColumn),
        ("SELECT no_such_function(1)", errors.UndefinedFunction),
        ("SELECT count(*) / 0 FROM events", errors.DivisionByZero),
        ("SELECT 'x'::int", errors.InvalidTextRepresentation),
    ]
    for sql, expected in failures:
        for prepare in (False, True):
            try:
                conn.execute(sql, prepare=prepare)
                raise AssertionError(f"{sql} did not fail")
            except expected as e:
                print("psycopg", e.sqlstate, e.diag.statement_position, e.diag.message_primary)
                if expected is not errors.DivisionByZero and expected is not errors.InvalidTextRepresentation:
                    assert e.diag.statement_position is not None, sql
            conn.rollback()
    position = None
    try:
        conn.execute("SELECT service,\n       no_such_column FROM events")
    except errors.UndefinedColumn as e:
        position = int(e.diag.statement_position)
    conn.rollback()
    assert position == 24, position
    assert conn.execute("SELECT 1").fetchone() == (1,)
import asyncpg
async def main():
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user="shape", database="shape")
    rows = await conn.fetch("SELECT component, count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = $1 GROUP BY component", "canvas")
    print("asyncpg", rows)
    assert rows[0]["component"] == "canvas" and rows[0]["n"] > 1000
    assert isinstance(rows[0]["first"], datetime.datetime) and rows[0]["first"].tzinfo is not None
    status = await conn.fetch("SELECT slo_id, status FROM slo_status")
    assert len(status) == 31
    try:
        await conn.fetch("SELECT * FROM no_such_table WHERE x = $1", 1)
        raise AssertionError("no_such_table did not fail")
    except asyncpg.exceptions.UndefinedTableError as e:
        print("asyncpg", e.sqlstate, e.position)
    await conn.close()
asyncio.run(main())
print("drivers ok")
