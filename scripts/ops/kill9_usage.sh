#!/usr/bin/env bash
# kill -9 of a node under k6 load, then a restart: the usage table must hold every 200 (the
# journal, SMALLY_USAGE_JOURNAL, is replayed at the start). A request cut by the kill may have been
# recorded without its answer arriving: usage may exceed the 200s by at most the requests that failed.
#   scripts/ops/kill9_usage.sh            (journal on: the default)
#   JOURNAL=off scripts/ops/kill9_usage.sh (without it: what a kill loses)
# Embedded store (SQLite) in a temporary SMALLY_DATA_DIR; env SMALLY_BIN, SMALLY_MODEL_DIR, OPS_PORT (18310),
# VUS (8), DURATION (12s).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
MODEL=${SMALLY_MODEL_DIR:-Tests/Fixtures/models/bert-h32-mean}
PORT=${OPS_PORT:-18310}
K6=$(scripts/performance/k6.sh --path)
WORK=$(mktemp -d)
pid=""; k6_pid=""
trap 'kill $pid $k6_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
start() {
  SMALLY_DATA_DIR="$WORK/data" SMALLY_USAGE_JOURNAL=${JOURNAL:-} REDIS_URL= DATABASE_URL= SMALLY_DRAIN_SECONDS=0 LOG_LEVEL=notice \
    "$BIN" serve --model "$MODEL" --port "$PORT" >>"$WORK/node.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "!! not ready"; cat "$WORK/node.log"; exit 1
}
start
KEY=$(cat "$WORK/data/dev-api-key")
BASE_URL="http://127.0.0.1:$PORT" API_KEY=$KEY SUMMARY_FILE="$WORK/k6.json" DURATION=${DURATION:-12s} VUS=${VUS:-8} \
  "$K6" run --quiet --no-color scripts/ops/rolling_restart.js >"$WORK/k6.log" 2>&1 &
k6_pid=$!
sleep 4
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
echo "==> node killed with SIGKILL under load; starting it again"
start
wait "$k6_pid" || true; k6_pid=""
# The alert rules also watch Redis and the database pool: rolling_restart.sh checks them on nodes that use both.
echo "==> every metric of the dashboard is exported by the live node (embedded store, no Redis)"
python3 scripts/ops/check_metric_names.py "http://127.0.0.1:$PORT/metrics" deploy/grafana/dashboards/smally.json
kill -TERM "$pid"; wait "$pid"; pid=""
read -r ok failed < <(python3 -c "import json; s = json.load(open('$WORK/k6.json')); print(s['ok'], s['failed'])")
usage=$(SMALLY_DATA_DIR="$WORK/data" DATABASE_URL= "$BIN" usage --org default --json | python3 -c "import json,sys; print(json.load(sys.stdin)['totals']['requests'])")
grep -m1 "usage journal" "$WORK/node.log" || true
echo "==> journal ${JOURNAL:-on}: answers $ok × 200, $failed failed (cut by the kill or refused while down); usage table: $usage requests"
if [ "$usage" -lt "$ok" ]; then echo "!! usage lost $((ok - usage)) served requests"; exit 1; fi
if [ "$usage" -gt $((ok + failed)) ]; then echo "!! usage counts more than was sent"; exit 1; fi
echo "==> usage >= 200s (and at most 200s + requests cut by the kill: $((usage - ok)) recorded but not answered)"
