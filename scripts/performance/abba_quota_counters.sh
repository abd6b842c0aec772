#!/usr/bin/env bash
# Cached /v1/embed throughput with the monthly quota counted in PostgreSQL (QUOTA_COUNTERS=database:
# one UPDATE per request, exact across nodes) against counted in the process (QUOTA_COUNTERS=process,
# exact for one node only), in alternating order (A B, B A, …). No Redis. One organization, one key.
#   DATABASE_URL=postgres://… scripts/performance/abba_quota_counters.sh BIN [rounds=4] [connections=8] [seconds=6]
# Prints one line per run and the totals. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$1; ROUNDS=${2:-4}; CONNECTIONS=${3:-8}; SECONDS_PER_RUN=${4:-6}
PORT=${ABBA_PORT:-18141}
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
export DATABASE_URL LOG_LEVEL=error TIER_SCALE_REQUESTS_PER_MINUTE=10000000 TIER_SCALE_EMBEDDINGS_PER_MONTH=1000000000
unset REDIS_URL
org="abba_quota_$RANDOM$RANDOM"
"$BIN" orgs create "$org" --tier scale >/dev/null
KEY=$("$BIN" keys create --org "$org" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
run() { # QUOTA_COUNTERS value
  QUOTA_COUNTERS=$1 "$BIN" serve --port "$PORT" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -sf "127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  API_KEY=$KEY wrk -t1 -c4 -d2s -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT" >/dev/null
  local out; out=$(API_KEY=$KEY wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT")
  kill $pid; wait $pid 2>/dev/null || true
  echo "$out" | awk '/requests in/ {r=$1} /Requests\/sec/ {s=$2} $1=="99%" {p=$2} /non-200/ {e=$3} END {print r, s, p, e}'
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); A=QUOTA_COUNTERS=process B=QUOTA_COUNTERS=database"
total_a=0; total_b=0
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for side in $order; do
    if [ "$side" = A ]; then line=$(run process); else line=$(run database); fi
    set -- $line
    echo "round $round $side: $1 requests, $2 req/s, p99 $3, non-200 $4"
    if [ "$side" = A ]; then total_a=$((total_a + $1)); else total_b=$((total_b + $1)); fi
  done
done
echo "total A $total_a, B $total_b ($(python3 -c "print(f'{($total_b/$total_a-1)*100:+.1f} %')") for B)"
