#!/usr/bin/env bash
# Builds against each other, per kernel: `smally bench` for every (binary, kernel) pair in alternating
# order, ROUNDS times (the order of the binaries flips every round, so drift hits all), then the best
# round's medians per scenario: `run` (encoder) and, for single_short, `full` (tokenizer + encoder).
#   scripts/performance/kernel_rounds.sh "avx512 avx2 portable" 3 old/smally new/smally
set -euo pipefail
cd "$(dirname "$0")/../.."
KERNELS=$1; ROUNDS=$2; shift 2
BINARIES=("$@")
[ ${#BINARIES[@]} -gt 0 ] || { echo "usage: $0 \"KERNELS\" ROUNDS BINARY..." >&2; exit 2; }
MODEL_DIR=${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}
THREADS=${THREADS:-2}
OUT=$(mktemp -d)
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $THREADS threads, results in $OUT"
for round in $(seq "$ROUNDS"); do
  order=("${BINARIES[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(); for ((i=${#BINARIES[@]}-1; i>=0; i--)); do order+=("${BINARIES[i]}"); done; fi
  for kernel in $KERNELS; do
    for bin in "${order[@]}"; do
      index=0; for b in "${BINARIES[@]}"; do [ "$b" = "$bin" ] && break; index=$((index + 1)); done
      SMALLY_KERNEL=$kernel "$bin" bench --model "$MODEL_DIR" --threads "$THREADS" --scenarios bench/scenarios.json \
        --json "$OUT/$index-$kernel-$round.json" >/dev/null 2>&1
      echo "round $round $kernel $bin done"
    done
  done
done
python3 - "$OUT" "$ROUNDS" "$KERNELS" "${BINARIES[@]}" <<'PY'
import json, sys
out, rounds, kernels, binaries = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4:]
for kernel in kernels:
    print(f"\nkernel {kernel}: best-round median ms (texts/s for batch32_short)")
    for index, binary in enumerate(binaries):
        runs = [json.load(open(f"{out}/{index}-{kernel}-{r}.json"))["scenarios"] for r in range(1, rounds + 1)]
        cells = []
        for name in runs[0]:
            ms = min(r[name]["run"]["median_ms"] for r in runs)
            spread = max(r[name]["run"]["median_ms"] for r in runs)
            cells.append(f"{name} {ms:.3f} (worst {spread:.3f})" + (f" {max(r[name]['run']['texts_per_s'] for r in runs):.0f}/s" if name.startswith("batch") else ""))
            if name == "single_short":
                cells.append(f"full {min(r[name]['full']['median_ms'] for r in runs):.3f}")
        print(f"  {binary}: " + " | ".join(cells))
PY
