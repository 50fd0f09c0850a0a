#!/usr/bin/env python3
"""Arrow-native clients against `shape serve`, as notebooks use them: polars over ConnectorX
(binary COPY) and over ADBC's PostgreSQL driver (which resolves each result column's type from
`pg_type`'s `typreceive` names before it reads a row). Columns must arrive typed: a timestamp
with its zone, integers, floats, text. Usage: arrow_clients.py PORT"""
import sys
import polars as pl
port = int(sys.argv[1])
uri = f"postgresql://shape@127.0.0.1:{port}/shape"
sql = ("SELECT ts, level, service, status_code, duration_ms FROM events "
       "WHERE status_code IS NOT NULL AND duration_ms IS NOT NULL ORDER BY ts LIMIT 100")
for engine in ("connectorx", "adbc"):
    df = pl.read_database_uri(sql, uri, engine=engine)
    print(engine, df.schema)
    assert df.height == 100, (engine, df.height)
    kinds = dict(df.schema)
    assert isinstance(kinds["ts"], pl.Datetime) and kinds["ts"].time_zone is not None, (engine, kinds)
    assert kinds["level"] == pl.String and kinds["service"] == pl.String, (engine, kinds)
    assert kinds["status_code"] in (pl.Int32, pl.Int64), (engine, kinds)
    assert kinds["duration_ms"] == pl.Float64, (engine, kinds)
    assert df["status_code"].min() >= 100 and df["duration_ms"].min() >= 0, engine
    slo = pl.read_database_uri("SELECT slo_id, status, budget_remaining FROM slo_status", uri, engine=engine)
    assert slo.height == 31 and slo.schema["budget_remaining"] == pl.Float64, (engine, slo.schema)
print("arrow clients ok")
