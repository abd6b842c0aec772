#!/usr/bin/env bash
# Side-by-side: Smally's engine vs ONNX Runtime on the same model, texts and machine, alternating
# runs so that machine drift hits both. Prints each run and the ratios of the best runs.
#   scripts/performance/engine_vs_onnx.sh path/to/model.onnx [threads=2] [rounds=2]
# model.onnx: all-MiniLM-L6-v2 exported to ONNX (the peer baseline ships one).
# Both precisions by default (PRECISIONS=fp32,int8): smally's SMALLY_PRECISION=int8 against ONNX
# Runtime's quantize_dynamic of the same model; PRECISIONS=fp32 for fp32 alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
ONNX=${1:-}
THREADS=${2:-2}
ROUNDS=${3:-2}
[ -n "$ONNX" ] && [ -f "$ONNX" ] || { echo "usage: $0 path/to/model.onnx [threads] [rounds]" >&2; exit 2; }
MODEL_DIR=${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}
BIN=${SMALLY_BIN:-.build/release/smally}
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 2; }
PRECISIONS=${PRECISIONS:-fp32,int8}
python3 -c "import onnxruntime, tokenizers, numpy, onnx" 2>/dev/null || python3 -m pip install --disable-pip-version-check onnxruntime tokenizers numpy onnx
OUT=$(mktemp -d)
for round in $(seq "$ROUNDS"); do
  echo "==> round $round/$ROUNDS: smally ($THREADS threads)"
  "$BIN" bench --model "$MODEL_DIR" --scenarios bench/scenarios.json --threads "$THREADS" --precision "$PRECISIONS" \
    --json "$OUT/smally-$round.json"
  for precision in ${PRECISIONS//,/ }; do
    echo "==> round $round/$ROUNDS: onnxruntime $precision ($THREADS threads)"
    python3 scripts/performance/ort_bench.py --model-dir "$MODEL_DIR" --onnx "$ONNX" --threads "$THREADS" \
      --scenarios bench/scenarios.json --json "$OUT/ort-$precision-$round.json" $([ "$precision" = int8 ] && echo --int8)
  done
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
import glob
def best(prefix):
    runs = []
    for r in range(1, rounds + 1):
        merged = {}
        for f in sorted(glob.glob(f"{out}/{prefix}-*{r}.json")):
            if f.endswith(f"-{r}.json"):
                merged.update(json.load(open(f))["scenarios"])
        runs.append(merged)
    names = runs[0].keys()
    return {n: {"median_ms": min(r[n]["run"]["median_ms"] for r in runs),
                "texts_per_s": max(r[n]["run"]["texts_per_s"] for r in runs)} for n in names}
s, o = best("smally"), best("ort")
print(f"\n{'scenario':15s} {'smally ms':>10s} {'ORT ms':>8s} {'latency ratio':>14s} {'smally t/s':>11s} {'ORT t/s':>8s} {'throughput ratio':>17s}")
for n in s:
    print(f"{n:15s} {s[n]['median_ms']:10.3f} {o[n]['median_ms']:8.3f} {s[n]['median_ms']/o[n]['median_ms']:14.2f} "
          f"{s[n]['texts_per_s']:11.1f} {o[n]['texts_per_s']:8.1f} {s[n]['texts_per_s']/o[n]['texts_per_s']:17.2f}")
print("(best of the rounds for each engine, `run` timing = inference on pre-tokenized input; latency ratio < 1 and throughput ratio > 1 favour smally)")
PY
