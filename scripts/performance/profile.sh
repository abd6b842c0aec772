#!/usr/bin/env bash
# `make profile`: records a benchmark or the live server with perf (Debian linux-perf) and renders a
# flame graph into results/profile-<stamp>/flamegraph.svg (scripts/performance/flamegraph.py).
#
#   make profile                                   the gate benchmark BENCH (default engine.single.short)
#   make profile BENCH=tokenizer.encode.batch32    another one (smally-perf-gate names)
#   make profile TARGET=server SCENARIO=constant DURATION=20s   a server started here under a k6 scenario
#
# Hardware counters (cycles) are used when the machine has them; on VMs without a PMU
# (`perf stat -e instructions true` says <not supported>) it samples on the cpu-clock timer instead, and says so.
# Environment: TARGET=bench|server, BENCH, SCENARIO, DURATION, FREQUENCY (default 499 Hz), PORT (server, 18080),
#   SMALLY_BIN (server; default .build/release/smally, else .build/debug/smally), RESULTS_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${TARGET:-bench}
BENCH=${BENCH:-engine.single.short}
FREQUENCY=${FREQUENCY:-499}
OUT=${RESULTS_DIR:-results/profile-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "profile.sh: perf not found (apt-get install -y linux-perf)" >&2; exit 1; }

if perf stat -e instructions true 2>&1 | grep -q "<not supported>"; then
  EVENT=cpu-clock
  echo "==> no hardware performance counters here (perf stat -e instructions: <not supported>, a VM without a PMU):"
  echo "    sampling on the cpu-clock timer at $FREQUENCY Hz instead of cycles (same stacks, no cycle/instruction counts)"
else
  EVENT=cycles
  echo "==> hardware counters available: sampling cycles at $FREQUENCY Hz"
fi
record=(perf record -e "$EVENT" -F "$FREQUENCY" -g -o "$OUT/perf.data")

case "$TARGET" in
  bench)
    GATE=.build/debug/smally-perf-gate
    [ -x "$GATE" ] || swift build --product smally-perf-gate
    title="smally-perf-gate $BENCH"
    echo "==> perf record: $title (300 rounds)"
    "${record[@]}" -- "$GATE" --model "${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}" --only "$BENCH" --rounds 300 \
      --thresholds Benchmarks/Gate/thresholds.json >"$OUT/gate.txt" 2>&1 || true
    ;;
  server)
    BIN=${SMALLY_BIN:-$( [ -x .build/release/smally ] && echo .build/release/smally || echo .build/debug/smally )}
    PORT=${PORT:-18080}
    SCENARIO=${SCENARIO:-constant}
    DURATION=${DURATION:-20s}
    echo "==> starting $BIN on port $PORT (auth off)"
    SMALLY_AUTH=off PORT=$PORT "$BIN" serve --model "${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}" >"$OUT/server.log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null || true' EXIT
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "profile.sh: the server did not come up" >&2; exit 1; }
    echo "==> perf record -p $server while k6 runs $SCENARIO for $DURATION"
    "${record[@]}" -p "$server" &
    recorder=$!
    SCENARIO=$SCENARIO DURATION=$DURATION BASE_URL="http://127.0.0.1:$PORT" RESULTS_DIR="$OUT" \
      scripts/performance/k6.sh run scripts/performance/k6_test.js >"$OUT/k6.txt" 2>&1 || true
    kill -INT "$recorder"; wait "$recorder" || true
    title="smally serve under k6 $SCENARIO ($DURATION)"
    ;;
  *) echo "profile.sh: TARGET is bench or server" >&2; exit 2 ;;
esac

echo "==> rendering $OUT/flamegraph.svg"
# Swift symbols demangled (swift demangle --simplified) so that frames read as Type.method.
perf script -i "$OUT/perf.data" 2>/dev/null | { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else swift demangle --simplified; fi; } \
  | python3 scripts/performance/flamegraph.py --title "$title ($EVENT)" --write-folded "$OUT/stacks.folded" >"$OUT/flamegraph.svg"
echo "==> $OUT/flamegraph.svg ($(wc -l <"$OUT/stacks.folded") distinct stacks); perf report -i $OUT/perf.data for the table"
