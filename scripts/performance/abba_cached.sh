#!/usr/bin/env bash
# Cached /v1/embed throughput of two server builds (or two settings), in alternating order
# (A B, B A, …): a fixed order is biased by 16–20 % on 2 cores (see PERFORMANCE.md, pitfalls).
#   scripts/performance/abba_cached.sh BIN_A BIN_B [rounds=4] [connections=8] [seconds=6]
# Extra settings per side: ENV_A="CACHE_SCOPE=shared" ENV_B="…". Each run starts a fresh server on
# embedded defaults (auth on, limits raised), warms it for 2 s, then runs wrk; prints one line per run
# and the totals. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1; B=$2; ROUNDS=${3:-4}; CONNECTIONS=${4:-8}; SECONDS_PER_RUN=${5:-6}
PORT=${ABBA_PORT:-18140}
run() { # binary, extra env
  local dir; dir=$(mktemp -d)
  env $2 SMALLY_DATA_DIR="$dir" LOG_LEVEL=error TIER_SCALE_REQUESTS_PER_MINUTE=10000000 \
    TIER_SCALE_EMBEDDINGS_PER_MONTH=1000000000 "$1" serve --port "$PORT" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -sf "127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  local key; key=$(cat "$dir/dev-api-key")
  API_KEY=$key wrk -t1 -c4 -d2s -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT" >/dev/null
  local out; out=$(API_KEY=$key wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT")
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
  echo "$out" | awk '/requests in/ {r=$1} /Requests\/sec/ {s=$2} $1=="99%" {p=$2} /non-200/ {e=$3} END {print r, s, p, e}'
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); A=$A ${ENV_A:-}; B=$B ${ENV_B:-}"
total_a=0; total_b=0
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for side in $order; do
    if [ "$side" = A ]; then line=$(run "$A" "${ENV_A:-X=1}"); else line=$(run "$B" "${ENV_B:-X=1}"); fi
    set -- $line
    echo "round $round $side: $1 requests, $2 req/s, p99 $3, non-200 $4"
    if [ "$side" = A ]; then total_a=$((total_a + $1)); else total_b=$((total_b + $1)); fi
  done
done
echo "total A $total_a, B $total_b ($(python3 -c "print(f'{($total_b/$total_a-1)*100:+.1f} %')") for B)"
