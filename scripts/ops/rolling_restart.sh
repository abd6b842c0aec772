#!/usr/bin/env bash
# Rolling restart of two Smally nodes behind nginx under k6 load: no request may fail and the
# usage table must count exactly the 200s.
#   REDIS_URL=redis://… DATABASE_URL=postgres://… scripts/ops/rolling_restart.sh
# The nodes share Redis and PostgreSQL (as in production); nginx runs deploy/nginx/smally.conf with
# the node addresses replaced. Each node in turn gets SIGTERM (it drains for SMALLY_DRAIN_SECONDS,
# must exit 0), is started again, and must take traffic from nginx before the other one is restarted.
# Env: SMALLY_BIN (.build/debug/smally), SMALLY_MODEL_DIR (a test fixture model: fast in a debug
# build), OPS_PORT (18300: nginx; the nodes use +1 and +2), VUS (12), DURATION (k6, 45s), DRAIN (3).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
MODEL=${SMALLY_MODEL_DIR:-Tests/Fixtures/models/bert-h32-mean}
BASE=${OPS_PORT:-18300}
DRAIN=${DRAIN:-3}  # above nginx's upstream keepalive_timeout (2 s)
: "${REDIS_URL:?set REDIS_URL (the nodes share Redis)}" "${DATABASE_URL:?set DATABASE_URL (the nodes share PostgreSQL)}"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)"; exit 1; }
K6=$(scripts/performance/k6.sh --path)

WORK=$(mktemp -d); chmod 755 "$WORK"
declare -A PIDS=()
nginx_pid=""; k6_pid=""
cleanup() {
  for pid in "${PIDS[@]}" $k6_pid $nginx_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { echo "!! $*"; for f in "$WORK"/*.log; do echo "--- $f"; tail -n 30 "$f"; done; exit 1; }

ORG="rolling-$(date +%s)-$$"
"$BIN" orgs create "$ORG" --tier scale --monthly-quota 1000000000000 --per-minute 10000000 >/dev/null
KEY=$("$BIN" keys create --org "$ORG" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['key'])")

start_node() {  # $1 = node number
  local port=$((BASE + $1))
  SMALLY_DRAIN_SECONDS=$DRAIN SMALLY_DATA_DIR="$WORK/node$1" LOG_LEVEL=notice \
    "$BIN" serve --model "$MODEL" --port "$port" >>"$WORK/node$1.log" 2>&1 &
  PIDS[$1]=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && return 0
    kill -0 "${PIDS[$1]}" 2>/dev/null || fail "node $1 exited while starting"
    sleep 0.1
  done
  fail "node $1 not ready after 30 s"
}
# /v1/embed requests a node has answered (its /metrics).
served_by() {
  curl -sf "http://127.0.0.1:$((BASE + $1))/metrics" \
    | awk '/^smally_requests_total\{.*route="\/v1\/embed"/ { n += $NF } END { print n + 0 }'
}

start_node 1
start_node 2
sed -e "s/server smally-1:8000;/server 127.0.0.1:$((BASE + 1));/" -e "s/server smally-2:8000;/server 127.0.0.1:$((BASE + 2));/" \
    -e "s/listen 80;/listen 127.0.0.1:$BASE;/" deploy/nginx/smally.conf >"$WORK/smally.conf"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp-body; proxy_temp_path $WORK/tmp-proxy;
  fastcgi_temp_path $WORK/tmp-fastcgi; uwsgi_temp_path $WORK/tmp-uwsgi; scgi_temp_path $WORK/tmp-scgi;
  include $WORK/smally.conf;
}
CONF
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"
nginx -p "$WORK" -c "$WORK/nginx.conf" -g "daemon off;" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done

echo "==> k6: ${VUS:-12} clients with keep-alive through nginx for ${DURATION:-45s}; rolling restart of both nodes meanwhile"
BASE_URL="http://127.0.0.1:$BASE" API_KEY=$KEY SUMMARY_FILE="$WORK/k6.json" DURATION=${DURATION:-45s} VUS=${VUS:-12} \
  "$K6" run --quiet --no-color scripts/ops/rolling_restart.js >"$WORK/k6.log" 2>&1 &
k6_pid=$!
sleep 3
for node in 1 2; do
  port=$((BASE + node))
  t0=$(date +%s.%N)
  kill -TERM "${PIDS[$node]}"
  sleep 0.3
  # Draining: the listener is closed (nginx retries a refused connect on the other node).
  ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
  [ "$ready" = 000 ] || fail "node $node draining: a new connection was accepted (/ready answered $ready)"
  rc=0; wait "${PIDS[$node]}" || rc=$?
  [ "$rc" = 0 ] || fail "node $node exited $rc after SIGTERM (expected 0)"
  stopped=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
  start_node "$node"
  before=$(served_by "$node")
  # nginx marks a node it could not connect to as failed for 10 s (fail_timeout): wait until it
  # sends to this one again before taking the other one down.
  for _ in $(seq 300); do [ "$(served_by "$node")" -gt "$before" ] && break; sleep 0.1; done
  [ "$(served_by "$node")" -gt "$before" ] || fail "nginx sent nothing to node $node within 30 s of its restart"
  echo "    node $node: drained and exited 0 in ${stopped} s, restarted, taking traffic again"
  kill -0 "$k6_pid" 2>/dev/null || fail "k6 ended before the rolling restart did: raise DURATION"
done
wait "$k6_pid" || true; k6_pid=""
cat "$WORK/k6.log" | grep -v '^\s*$' | tail -n 5
echo "==> every metric of the alert rules and the dashboard is exported by a live node"
python3 scripts/ops/check_metric_names.py "http://127.0.0.1:$((BASE + 1))/metrics" \
  deploy/prometheus/alerts.yml deploy/grafana/dashboards/smally.json || fail "unknown metric names"
# Stop both nodes (each flushes its usage on the way out).
for node in 1 2; do kill -TERM "${PIDS[$node]}"; done
for node in 1 2; do rc=0; wait "${PIDS[$node]}" || rc=$?; [ "$rc" = 0 ] || fail "node $node exited $rc"; unset "PIDS[$node]"; done
read -r ok failed < <(python3 -c "import json; s = json.load(open('$WORK/k6.json')); print(s['ok'], s['failed'])")
usage=$("$BIN" usage --org "$ORG" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['totals']['requests'])")
echo "==> answers: $ok × 200, $failed failed; usage table: $usage requests"
[ "$failed" = 0 ] || fail "$failed requests failed during the rolling restart"
[ "$ok" -gt 0 ] || fail "no request succeeded"
[ "$usage" = "$ok" ] || fail "usage ($usage) differs from the 200s ($ok)"
echo "==> rolling restart: 0 failed requests, usage = 200s"

echo "==> a second signal exits at once (drain of 60 s interrupted)"
DRAIN=60 start_node 1
kill -TERM "${PIDS[1]}"; sleep 0.5
t0=$(date +%s%N); kill -TERM "${PIDS[1]}"
rc=0; wait "${PIDS[1]}" || rc=$?; unset "PIDS[1]"
took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 143 ] || fail "second SIGTERM: exit status $rc, expected 143 (128 + SIGTERM)"
[ "$took_ms" -lt 2000 ] || fail "second SIGTERM: took $took_ms ms to exit"
echo "    exited $rc in $took_ms ms"
