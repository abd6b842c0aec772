#!/usr/bin/env bash
# The CI regression gate (scripts/test.sh runs it after `swift test`): hot paths timed against a
# calibration loop in the same process, compared with Benchmarks/Gate/thresholds.json by a one-sided
# Mann-Whitney U test at the file's alpha (0.05) beyond each benchmark's tolerance. Then the gate's
# own check: the same run with a 2x slowdown injected into one benchmark must fail. Writes
# results/gate-<stamp>/index.html (the report, checked in headless chromium: screenshot.png).
#
#   scripts/performance/gate.sh            gate + self-check (debug build, as CI has it)
#   scripts/performance/gate.sh --record   measure and write a new reference (commit it, say on which CPU)
# Environment: SMALLY_BIN_DIR (default .build/debug), SMALLY_MODEL_DIR (default models/all-MiniLM-L6-v2).
set -euo pipefail
cd "$(dirname "$0")/../.."
GATE="${SMALLY_BIN_DIR:-.build/debug}/smally-perf-gate"
MODEL="${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}"
[ -x "$GATE" ] || { echo "gate.sh: $GATE not built (swift build --build-tests)" >&2; exit 2; }
start=$SECONDS

if [ "${1:-}" = --record ]; then
  shift
  exec "$GATE" --model "$MODEL" --record --rounds 30 "$@"
fi

OUT=${RESULTS_DIR:-results/gate-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
echo "==> gate: hot paths vs Benchmarks/Gate/thresholds.json (report: $OUT/index.html)"
set +e
"$GATE" --model "$MODEL" --json "$OUT/gate.json" "$@"
gate_status=$?
set -e
if [ -s "$OUT/gate.json" ]; then
  python3 scripts/performance/bench_report.py "$OUT"
  scripts/performance/check_report.sh "$OUT/index.html"
fi
[ "$gate_status" -eq 0 ] || exit "$gate_status"

echo "==> gate self-check: tokenizer.encode.batch32 made 2x slower must be reported as a regression"
set +e
"$GATE" --model "$MODEL" --only tokenizer.encode.batch32 --slow-down tokenizer.encode.batch32=2 --rounds 12
status=$?
set -e
if [ "$status" -ne 3 ]; then
  echo "gate.sh: the gate did not catch an injected 2x slowdown (exit $status, expected 3)" >&2
  exit 1
fi
echo "==> gate passed, and caught the injected slowdown ($((SECONDS - start)) s in all)"
