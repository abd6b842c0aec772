#!/usr/bin/env bash
# CPU time per cached request of the server and of one other process (e.g. its Redis), for two settings
# in alternating order (A B B A …): where a throughput difference goes.
#   scripts/performance/cpu_per_request.sh BIN [rounds=2]
#   ENV_A="REDIS_URL=redis://127.0.0.1:6381" PID_A=<redis pid>  ENV_B="REDIS_URL=rediss://…" PID_B=<redis pid>
# Each run starts BIN serve on embedded defaults (auth on, limits raised, L1 off unless ENV_* sets it: every
# request reads L2), warms it 2 s, then runs wrk (8 connections, 6 s) and reads utime+stime of the server and
# of PID_A/PID_B from /proc. Prints one line per run. Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$1; ROUNDS=${2:-2}; PORT=${CPU_PORT:-18150}
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # name other-pid env
  local name=$1 other=$2 dir; dir=$(mktemp -d)
  env L1_CACHE_SIZE=0 L1_JSON_CACHE_SIZE=0 $3 SMALLY_DATA_DIR="$dir" LOG_LEVEL=error TIER_SCALE_REQUESTS_PER_MINUTE=10000000 \
    TIER_SCALE_EMBEDDINGS_PER_MONTH=1000000000 "$BIN" serve --port "$PORT" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -sf "127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  local key; key=$(cat "$dir/dev-api-key")
  API_KEY=$key wrk -t1 -c4 -d2s -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT" >/dev/null
  local s0 o0 s1 o1 out n w timing
  timing=$(mktemp)
  s0=$(ticks $pid); o0=$(ticks "$other")
  out=$(API_KEY=$key /usr/bin/time -f "%U %S" -o "$timing" wrk -t1 -c8 -d6s -s scripts/performance/wrk/embed_cached.lua "http://127.0.0.1:$PORT")
  s1=$(ticks $pid); o1=$(ticks "$other")
  w=$(awk '{print $1 + $2}' "$timing"); rm -f "$timing"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$dir"
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  python3 -c "n, hz = $n, $HZ; print(f'$name: {n} requests, server {($s1 - $s0) * 1e6 / hz / n:.1f} µs CPU/request, pid $other {($o1 - $o0) * 1e6 / hz / n:.1f} µs CPU/request, wrk {$w * 1e6 / n:.1f} µs CPU/request')"
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); A: ${ENV_A:-} (pid ${PID_A:?}); B: ${ENV_B:-} (pid ${PID_B:?})"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for side in $order; do
    if [ "$side" = A ]; then run A "$PID_A" "${ENV_A:-}"; else run B "$PID_B" "${ENV_B:-}"; fi
  done
done
