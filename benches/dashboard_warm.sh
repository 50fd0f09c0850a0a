#!/usr/bin/env bash
# The dashboard's and /metrics' latency, cold and kept warm (README, "The dashboard and
# /metrics"): starts `shape serve --http-only` over DATA, times the overview, /metrics and an
# SLO page with curl at AS_OF (cold), again 20 s later, then commits one event with
# `shape ingest` and times them 10 s after it. Note: it adds that event to DATA.
#   DATA=/tmp/scale/data-10000000 AS_OF=2026-10-31T00:00:00Z benches/dashboard_warm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHAPE=${SHAPE:-${CARGO_TARGET_DIR:-$HOME/.cache/shape-target}/release/shape}
DATA=${DATA:-/tmp/scale/data-10000000}
CONFIG=${CONFIG:-data/shape.toml}
AS_OF=${AS_OF:-2026-10-31T00:00:00Z}
SLO=${SLO:-library-availability}
PORT=${PORT:-18089}
"$SHAPE" --config "$CONFIG" --data-dir "$DATA" serve --http-only --http "127.0.0.1:$PORT" \
    2>/dev/null &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/openapi.json" && break
    sleep 0.2
done
t() { curl -s -o /dev/null -w "%{time_total}" "http://127.0.0.1:$PORT$1"; }
pages() {
    echo "$1: overview $(t "/?as_of=$AS_OF") s, /metrics $(t "/metrics?as_of=$AS_OF") s," \
        "/slo/$SLO $(t "/slo/$SLO?as_of=$AS_OF") s"
}
echo "cold: overview $(t "/?as_of=$AS_OF") s, /slo/$SLO $(t "/slo/$SLO?as_of=$AS_OF") s"
echo "cold /metrics (another as_of): $(t "/metrics?as_of=${AS_OF/00:00:00/00:01:00}") s"
sleep 20
pages "20 s later"
late=$(mktemp --suffix=.jsonl)
ts=$(date -u -d "$AS_OF - 10 minutes" +%Y-%m-%dT%H:%M:%SZ)
echo "{\"ts\":\"$ts\",\"level\":\"ERROR\",\"service\":\"renderx-web\",\"component\":\"library\",\"operation\":\"loadAsset\",\"outcome\":\"error\",\"msg\":\"late\"}" >"$late"
"$SHAPE" --config "$CONFIG" --data-dir "$DATA" ingest --no-progress "$late" >/dev/null 2>&1
rm -f "$late"
sleep 10
pages "10 s after a commit"
curl -s "http://127.0.0.1:$PORT/metrics?as_of=$AS_OF" | grep '^shape_http_cache_lookups'
