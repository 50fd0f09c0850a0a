#!/bin/bash
# Cold SLO views, /metrics and the overview page: two `shape` binaries taking turns on the
# same data dir (ROUNDS rounds), each answering at `as_of`s it has not seen (so neither its
# result cache nor its kept-warm answers help). What README "The dashboard and /metrics"
# quotes. Usage:
#   benches/cold_http_ab.sh OLD_BINARY NEW_BINARY DATA_DIR [DAY]
# DAY (default 2026-10-29) picks the as_ofs: the views at DAY, /metrics the day before, the
# overview two days before (hours 11, 12, ... one per turn).
set -euo pipefail
old=$1 new=$2 data=$3 day=${4:-2026-10-29}
rounds=${ROUNDS:-2}
cd "$(dirname "$0")/.."
before() { date -u -d "$day - $1 day" +%F; }
stop() { pkill -f "serve --listen 127.0.0.1:55432" || true; sleep 1; }
hour=10
for round in $(seq "$rounds"); do
  for binary in "$old" "$new"; do
    stop
    "$binary" --config data/shape.toml --data-dir "$data" serve --listen 127.0.0.1:55432 \
      --http 127.0.0.1:18089 > /tmp/cold_http_ab.log 2>&1 &
    # listening, then a few seconds for its start-up snapshot
    for _ in $(seq 120); do (echo > /dev/tcp/127.0.0.1/55432) 2>/dev/null && break; sleep 0.5; done
    sleep 5
    hour=$((hour + 1))
    echo "== $binary, round $round: slo_status / slo_burn_alerts / component_health (ms)"
    HOUR=$hour DAY=$day python3 benches/cold_views.py "SELECT * FROM slo_status" \
      "SELECT * FROM slo_burn_alerts" "SELECT * FROM component_health" |
      tail -6 | awk -F' [|] ' '{print $2"/"$3"/"$4}' | tr '\n' ' '
    echo
    metrics="" overview=""
    for minute in 10 11 12 13 14 15 16 17 18; do
      metrics="$metrics $(curl -s -o /dev/null -w '%{time_total}' \
        "http://127.0.0.1:18089/metrics?as_of=$(before 1)T$hour:$minute:30Z")"
    done
    for minute in 10 11 12; do
      overview="$overview $(curl -s -o /dev/null -w '%{time_total}' \
        "http://127.0.0.1:18089/?as_of=$(before 2)T$hour:$minute:00Z")"
    done
    echo "metrics (s):$metrics"
    echo "overview (s):$overview"
  done
done
stop
