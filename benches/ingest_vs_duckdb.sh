#!/usr/bin/env bash
# Side by side: SHAPE vs DuckDB turning the same generated JSON lines into zstd Parquet.
# Usage: benches/ingest_vs_duckdb.sh [SIZE, default 1GB]
# Needs: python3 with duckdb (pip install duckdb), GNU time (/usr/bin/time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1GB}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/shape-target}
cargo build --release --quiet
SHAPE=$CARGO_TARGET_DIR/release/shape
WORK=${BENCH_DIR:-$(mktemp -d)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$WORK"' EXIT

# One file, so both tools read the same single input. DuckDB needs sample_size = -1 (a full
# schema pass) because the generator's deploy markers carry keys other lines do not.
"$SHAPE" gen --out "$WORK/logs" --size "$SIZE" --days 30 --files 1 >/dev/null
INPUT="$WORK/logs/renderx-web-1.jsonl"
BYTES=$(stat -c %s "$INPUT")
LINES=$(wc -l < "$INPUT")
echo "input: $INPUT, $BYTES bytes, $LINES lines, $(nproc) cores"

measure() { # name, command...
    local name=$1; shift
    sync
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/$name.rss" "$@" >/dev/null 2>"$WORK/$name.err" || { cat "$WORK/$name.err"; exit 1; }
    end=$(date +%s.%N)
    python3 - "$name" "$start" "$end" "$BYTES" "$LINES" "$(cat "$WORK/$name.rss")" <<'PY'
import sys
name, start, end, size, lines, rss_kb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = end - start
print(f"{name:8s} {s:7.2f} s  {size / s / 1e6:7.1f} MB/s  {lines / s / 1e6:6.2f} M lines/s  peak RSS {rss_kb / 1024:7.1f} MB")
PY
}

measure shape "$SHAPE" --data-dir "$WORK/shape-data" ingest --no-progress "$INPUT"
measure duckdb python3 -c "
import duckdb, sys
con = duckdb.connect()
con.execute(\"COPY (SELECT * FROM read_json_auto('$INPUT', sample_size = -1)) TO '$WORK/duck.parquet' (FORMAT parquet, COMPRESSION zstd)\")
"
echo "output sizes: shape $(du -sb "$WORK/shape-data/events" | cut -f1) bytes, duckdb $(stat -c %s "$WORK/duck.parquet") bytes"
