#!/usr/bin/env bash
# Latency against offered load (open loop): `make perf-curve`.
#
# 1. Starts the release server (SMALLY_AUTH=off, SMALLY_MAX_QUEUE_MS=500 unless set, its own port
#    and data folder) unless BASE_URL
#    names one already running (then API_KEY as for k6_test.js).
# 2. Per hit ratio (RATIOS, default "0 0.8"): measures capacity with a short closed-loop run
#    (CAPACITY_VUS=64 VUs for CAPACITY_SECONDS=10 s: requests/s when the server is saturated),
#    then offers STEPS percent of it (default 10 30 50 70 90 100 120), STEP_SECONDS (12) each, with
#    k6's constant-arrival-rate executor (SCENARIO=open in k6_test.js).
# 3. Unloaded single-text latency: one VU, misses only, for UNLOADED_SECONDS (5 s).
# 4. perf_curve.py writes curve.csv, curve.md (table) and curve.png (chart) into
#    results/perf-curve-<stamp>/ and prints the table.
# The whole run takes ~5 minutes. k6 runs on the same CPUs as the server, as in every scenario here.
#   scripts/performance/perf_curve.sh                 # defaults
#   STEPS="50 100" RATIOS=0 STEP_SECONDS=8 scripts/performance/perf_curve.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PERF=scripts/performance
K6=$PERF/k6.sh
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-results/perf-curve-$STAMP}
mkdir -p "$OUT"
RATIOS=${RATIOS:-"0 0.8"}
STEPS=${STEPS:-"10 30 50 70 90 100 120"}
STEP_SECONDS=${STEP_SECONDS:-12}
CAPACITY_VUS=${CAPACITY_VUS:-64}
CAPACITY_SECONDS=${CAPACITY_SECONDS:-10}
UNLOADED_SECONDS=${UNLOADED_SECONDS:-5}
MODEL_DIR=${MODEL_DIR:-models/all-MiniLM-L6-v2}
SERVER_PID=""

say() { echo "==> $*"; }
cleanup() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [ -z "${BASE_URL:-}" ]; then
  PORT=${PERF_PORT:-8019}
  BASE_URL=http://127.0.0.1:$PORT
  BIN=${SMALLY_BIN:-.build/release/smally}
  [ -x "$BIN" ] || { echo "no $BIN: make build (or set SMALLY_BIN)" >&2; exit 1; }
  mkdir -p "$OUT/data"
  say "starting $BIN serve on port $PORT (SMALLY_AUTH=off; log: $OUT/server.log)"
  export SMALLY_MAX_QUEUE_MS=${SMALLY_MAX_QUEUE_MS:-500}   # the curve shows the deadline at work
  SMALLY_AUTH=off SMALLY_DATA_DIR="$OUT/data" "$BIN" serve --host 127.0.0.1 --port "$PORT" --model "$MODEL_DIR" \
    > "$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 120); do curl -sf -o /dev/null "$BASE_URL/ready" && break; sleep 0.5; done
  curl -sf -o /dev/null "$BASE_URL/ready" || { tail "$OUT/server.log" >&2; exit 1; }
fi
export BASE_URL

{
  echo "date: $(date -u -Is)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $BASE_URL; settings: $(env | grep -E '^SMALLY_(INFERENCE_NICE|INFERENCE_POLICY|MAX_QUEUE_MS|MAX_QUEUE|LANES)=' | tr '\n' ' ')"
} > "$OUT/environment.txt"
cat "$OUT/environment.txt"

k6run() { # name env...
  local name=$1; shift
  env "$@" RESULTS_DIR="$OUT" SUMMARY_PREFIX="$name" "$K6" run --quiet --no-color "$PERF/k6_test.js" > "$OUT/$name.log" 2>&1 || true
  python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["figures"]; print("   %s: %d requests, %.1f req/s, errors %.2f%%" % (sys.argv[2], f["requests"], f["rps"], 100*f["error_rate"]))' \
    "$OUT/$name-summary.json" "$name" || { echo "k6 run $name failed:" >&2; tail -20 "$OUT/$name.log" >&2; exit 1; }
}

say "unloaded: 1 VU, misses only, ${UNLOADED_SECONDS}s"
k6run unloaded SCENARIO=constant VUS=1 DURATION="${UNLOADED_SECONDS}s" CACHE_HIT_RATIO=0

for ratio in $RATIOS; do
  say "capacity at CACHE_HIT_RATIO=$ratio: $CAPACITY_VUS VUs closed loop, ${CAPACITY_SECONDS}s"
  k6run "capacity-hit$ratio" SCENARIO=constant VUS="$CAPACITY_VUS" DURATION="${CAPACITY_SECONDS}s" CACHE_HIT_RATIO="$ratio"
  capacity=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["figures"]["rps"])' "$OUT/capacity-hit$ratio-summary.json")
  for step in $STEPS; do
    rate=$(python3 -c "import sys; print(max(1, round($capacity * $step / 100)))")
    sleep 2   # let the previous step's queue drain
    say "CACHE_HIT_RATIO=$ratio: $step% of $capacity req/s = $rate req/s for ${STEP_SECONDS}s"
    # The forward passes' durations during the step (from /metrics): "one batch" in the deadline's bound.
    curl -sf "$BASE_URL/metrics" > "$OUT/step-hit$ratio-$step-metrics-before.txt" || true
    k6run "step-hit$ratio-$step" SCENARIO=open RATE="$rate" DURATION="${STEP_SECONDS}s" CACHE_HIT_RATIO="$ratio"
    curl -sf "$BASE_URL/metrics" > "$OUT/step-hit$ratio-$step-metrics-after.txt" || true
  done
done

python3 "$PERF/perf_curve.py" "$OUT"
