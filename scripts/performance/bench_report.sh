#!/usr/bin/env bash
# `make bench-report`: runs the regression gate's benchmarks (and, with MICRO=1, the package-benchmark
# suites exported as JMH JSON), writes results/bench-<stamp>/index.html (inline SVG: distributions,
# throughput, comparison with the repository's reference and its uncertainty, links to k6 reports in
# results/), and checks it in headless chromium (screenshot.png beside it).
# Environment: RESULTS_DIR (default results/bench-<stamp>), ROUNDS (default 30), MICRO=1,
#   SMALLY_MODEL_DIR (default models/all-MiniLM-L6-v2).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${RESULTS_DIR:-results/bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
GATE=.build/debug/smally-perf-gate
if [ ! -x "$GATE" ]; then
  echo "==> building smally-perf-gate (debug, as CI runs it; the first build takes minutes)"
  swift build --product smally-perf-gate
fi
echo "==> gate benchmarks (${ROUNDS:-30} rounds) -> $OUT/gate.json"
set +e
"$GATE" --model "${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}" --rounds "${ROUNDS:-30}" --json "$OUT/gate.json" | tee "$OUT/gate.txt"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || exit "$status"
if [ "${MICRO:-0}" = 1 ]; then
  echo "==> package-benchmark suites (release build) -> $OUT (JMH JSON)"
  scripts/performance/bench.sh run -- --format jmh --path "$OUT"
fi
python3 scripts/performance/bench_report.py "$OUT" --k6-dir results
scripts/performance/check_report.sh "$OUT/index.html"
echo "==> open $OUT/index.html"
