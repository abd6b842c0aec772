#!/usr/bin/env bash
# Cached latency and miss throughput at saturation, for several values of one server setting,
# in alternating order (ABBA…) within one run: `saturation_abba.sh [rounds=2] [seconds=30]`.
#   VARIABLE=SMALLY_INFERENCE_NICE VALUES="0 10"   the setting and its values (default shown)
#   VUS=50 CACHE_HIT_RATIO=0.8                     the load: the plateau of the ramping scenario
#   SCENARIO=open RATE=900                         open loop instead: the same offered rate for every value
#   CACHE_HIT_RATIO=1 SCENARIO=open RATE=2300      the control: the load generator and HTTP path alone (no inference)
# Each run starts the release server (SMALLY_AUTH=off, port 8018) with VARIABLE=value, runs k6's
# constant scenario, stops the server. Prints one line per run and the per-value totals.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}
SECONDS_PER_RUN=${2:-30}
VARIABLE=${VARIABLE:-SMALLY_INFERENCE_NICE}
read -r -a VALUES <<< "${VALUES:-0 10}"
VUS=${VUS:-50}
SCENARIO=${SCENARIO:-constant}
RATE=${RATE:-100}
RATIO=${CACHE_HIT_RATIO:-0.8}
BIN=${SMALLY_BIN:-.build/release/smally}
PORT=${PERF_PORT:-8018}
OUT=${OUT:-results/saturation-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT/data"
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; true' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/environment.txt"
echo "$VARIABLE in (${VALUES[*]}), $ROUNDS rounds, $SCENARIO ($([ "$SCENARIO" = constant ] && echo "$VUS VUs" || echo "$RATE req/s")), CACHE_HIT_RATIO=$RATIO, ${SECONDS_PER_RUN}s each" | tee -a "$OUT/environment.txt"

run() { # value index
  local value=$1 name="run$2-$VARIABLE=$1"
  env "$VARIABLE=$value" SMALLY_AUTH=off SMALLY_DATA_DIR="$OUT/data" "$BIN" serve --port "$PORT" > "$OUT/$name.server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.5; done
  BASE_URL=http://127.0.0.1:$PORT SCENARIO=$SCENARIO RATE=$RATE VUS=$VUS DURATION=${SECONDS_PER_RUN}s CACHE_HIT_RATIO=$RATIO \
    RESULTS_DIR="$OUT" SUMMARY_PREFIX="$name" scripts/performance/k6.sh run --quiet --no-color scripts/performance/k6_test.js \
    > "$OUT/$name.log" 2>&1 || true
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  python3 - "$OUT/$name-summary.json" "$VARIABLE=$value" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["figures"]
h, m = f["cached_latency_ms"], f["uncached_latency_ms"]
v = lambda d, q, digits: f"{d[q]:.{digits}f}" if q in d else "-"   # no hits or no misses at ratio 0 or 1
print(f"{sys.argv[2]:>28}: {f['rps']:8.1f} req/s, misses {m['count'] / f['seconds']:7.1f}/s | hits p50 {v(h, 'p50', 2)} p95 {v(h, 'p95', 2)} "
      f"p99 {v(h, 'p99', 2)} ms | misses p50 {v(m, 'p50', 1)} p95 {v(m, 'p95', 1)} p99 {v(m, 'p99', 1)} ms | server p99 {f['server_latency_ms'].get('p99', 0):.2f} ms | errors {f['failures']}")
PY
}

index=0
for round in $(seq "$ROUNDS"); do
  order=("${VALUES[@]}")
  if [ $((round % 2)) = 0 ]; then order=(); for ((i=${#VALUES[@]}-1; i>=0; i--)); do order+=("${VALUES[$i]}"); done; fi
  for value in "${order[@]}"; do index=$((index + 1)); run "$value" "$index"; sleep 2; done
done | tee "$OUT/runs.txt"

python3 - "$OUT" "$VARIABLE" <<'PY'
import glob, json, os, re, sys, statistics
out, variable = sys.argv[1], sys.argv[2]
by = {}
for path in glob.glob(os.path.join(out, "run*-summary.json")):
    value = re.search(re.escape(variable) + r"=(.*)-summary\.json", os.path.basename(path)).group(1)
    by.setdefault(value, []).append(json.load(open(path))["figures"])
print(f"\n| {variable} | runs | req/s | misses/s | hits p50 / p95 / p99 ms (median of runs) | misses p95 / p99 ms | errors |")
print("|---|---:|---:|---:|---|---|---:|")
for value, runs in sorted(by.items(), key=lambda kv: kv[0]):
    med = lambda key, q: statistics.median(r[key].get(q, float("nan")) for r in runs)
    rps = sum(r["requests"] for r in runs) / sum(r["seconds"] for r in runs)
    misses = sum(r["uncached_latency_ms"]["count"] for r in runs) / sum(r["seconds"] for r in runs)
    print(f"| {value} | {len(runs)} | {rps:.0f} | {misses:.0f} | {med('cached_latency_ms','p50'):.2f} / {med('cached_latency_ms','p95'):.2f} / "
          f"{med('cached_latency_ms','p99'):.2f} | {med('uncached_latency_ms','p95'):.1f} / {med('uncached_latency_ms','p99'):.1f} | "
          f"{sum(r['failures'] for r in runs)} |")
PY
