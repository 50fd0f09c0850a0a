"""SQLAlchemy 2 against a SHAPE server, as notebooks, pandas and BI tools use it: connect
(SQLAlchemy parses version()), reflect with the inspector, read with pandas and bound
parameters. Usage: python3 sqlalchemy_inspect.py URL. Prints "sqlalchemy ok" at the end."""
import sys

import pandas as pd
import sqlalchemy as sa

engine = sa.create_engine(sys.argv[1])
with engine.connect() as connection:
    assert engine.dialect.server_version_info[:2] == (16, 6), engine.dialect.server_version_info
    assert connection.execute(sa.text("SELECT current_database()")).scalar() == "shape"

inspector = sa.inspect(engine)
tables = inspector.get_table_names()
views = inspector.get_view_names()
assert "events" in tables and "rejects" in tables, tables
assert "slo_status" in views and "anomalies" in views, views
# information_schema's own views are not SHAPE's.
assert "columns" not in views and "tables" not in views, views
assert inspector.get_schema_names() == ["information_schema", "public"], inspector.get_schema_names()

columns = {c["name"]: c for c in inspector.get_columns("events")}
assert isinstance(columns["ts"]["type"], sa.TIMESTAMP) and columns["ts"]["type"].timezone, columns["ts"]
assert isinstance(columns["duration_ms"]["type"], sa.Float), columns["duration_ms"]
assert columns["ts"]["nullable"] is False and columns["status_code"]["nullable"] is True
assert columns["_line"]["comment"].startswith("lineage"), columns["_line"]
view_columns = {c["name"] for c in inspector.get_columns("slo_status")}
assert {"slo_id", "budget_remaining", "status"} <= view_columns, view_columns

assert inspector.get_pk_constraint("events")["constrained_columns"] == []
assert inspector.get_indexes("events") == []
assert inspector.get_foreign_keys("events") == []
assert inspector.get_unique_constraints("events") == []
assert inspector.get_table_comment("events")["text"].startswith("one row per parsed log record")
assert inspector.get_view_definition("slo_status").upper().startswith(("SELECT", "WITH"))

frame = pd.read_sql(
    sa.text("SELECT ts, level, duration_ms FROM events WHERE level = :level ORDER BY ts LIMIT 20"),
    engine,
    params={"level": "ERROR"},
)
assert len(frame) == 20, len(frame)
assert str(frame["ts"].dtype).startswith("datetime64") and "UTC" in str(frame["ts"].dtype), frame.dtypes
assert frame["duration_ms"].dtype.kind == "f", frame.dtypes
assert set(frame["level"]) == {"ERROR"}
status = pd.read_sql_table("slo_status", engine)
assert len(status) > 0 and "budget_remaining" in status.columns
print("sqlalchemy ok")
