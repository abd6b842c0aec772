#!/usr/bin/env bash
# Two models in one process, checked under load (issue #17's goal):
#   1. offline outputs of each model for a set of texts (`smally embed --jsonl`);
#   2. model A alone: closed-loop k6 throughput (every text computed: L1 off);
#   3. A and B mixed 50/50 on one server: every response must equal its own model's offline vector
#      (no cross-talk), and the combined throughput is compared with A alone. Run with B = a copy
#      of A (same cost, so the two throughputs are comparable) and with B = another model (so a
#      vector from the wrong model cannot pass).
# Usage: scripts/performance/models/two_models.sh [OTHER_MODEL_DIR]
#   (default OTHER_MODEL_DIR: the first fixture model under Tests/Fixtures/models)
# Environment: SMALLY_BIN (default .build/release/smally), MODEL_DIR (A, default
#   models/all-MiniLM-L6-v2), VUS=8, DURATION=20s, PORT=8790, RESULTS_DIR=results/two-models-<stamp>,
#   CROSS_TALK_ONLY=1 (only step 3 with another model: the correctness check `make test` runs, no timing).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$(pwd)
BIN=${SMALLY_BIN:-.build/release/smally}
MODEL_A=${MODEL_DIR:-models/all-MiniLM-L6-v2}
OTHER=${1:-$(find Tests/Fixtures/models -mindepth 1 -maxdepth 1 -type d ! -name '*cross*' | sort | head -1)}
PORT=${PORT:-8790}
OUT=${RESULTS_DIR:-results/two-models-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -x "$BIN" ] || { echo "== building $BIN"; swift build -c release --product smally; }
[ -d "$OTHER" ] || { echo "no second model folder (give one as the argument)" >&2; exit 2; }
echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); A=$MODEL_A B=$OTHER"

echo "== offline outputs (smally embed --jsonl)"
head -200 scripts/performance/queries.txt | python3 -c 'import json,sys; [print(json.dumps({"text": l.strip()})) for l in sys.stdin if l.strip()]' > "$OUT/texts.jsonl"
"$BIN" embed --model "$MODEL_A" --jsonl < "$OUT/texts.jsonl" > "$OUT/a.jsonl"
"$BIN" embed --model "$OTHER" --jsonl < "$OUT/texts.jsonl" > "$OUT/b.jsonl"
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
texts = [json.loads(l)["text"] for l in open(f"{out}/texts.jsonl")]
def load(name): return [{"text": t, "embedding": json.loads(l)["embedding"]} for t, l in zip(texts, open(f"{out}/{name}.jsonl"))]
a, b = load("a"), load("b")
json.dump({"models": {"a": a, "a2": a}}, open(f"{out}/same.json", "w"))
json.dump({"models": {"a": a, "b": b}}, open(f"{out}/different.json", "w"))
print(f"   {len(a)} texts; A dimension {len(a[0]['embedding'])}, B dimension {len(b[0]['embedding'])}")
PY

SERVER=
stop() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; SERVER=; }
trap stop EXIT
serve() {   # serve MODELS-LIST LOG
  stop
  SMALLY_AUTH=off L1_CACHE_SIZE=0 PORT=$PORT SMALLY_MODELS="$1" "$BIN" serve > "$2" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && return 0; sleep 0.1; done
  echo "server did not become ready; see $2" >&2; exit 1
}
k6run() {   # k6run EXPECTED MODELS SUMMARY
  EXPECTED="$OUT/$1" MODELS="$2" SUMMARY="$OUT/$3" BASE_URL="http://127.0.0.1:$PORT" \
    VUS=${VUS:-8} DURATION=${DURATION:-20s} scripts/performance/k6.sh run --quiet scripts/performance/models/two_models.js
}
rate() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metrics"]["http_reqs"]["values"]["rate"])' "$OUT/$1"; }

echo "== A and B (another model), 50/50: every vector must be its own model's"
serve "a=$MODEL_A,b=$OTHER" "$OUT/server-different.log"
k6run different.json a,b different-mix.json
if [ "${CROSS_TALK_ONLY:-0}" = 1 ]; then stop; echo "== no cross-talk; results in $OUT"; exit 0; fi
echo "== A alone"
serve "a=$MODEL_A" "$OUT/server-alone.log"
k6run same.json a alone.json
echo "== A and a copy of A, 50/50 (same cost: comparable throughput)"
serve "a=$MODEL_A,a2=$MODEL_A" "$OUT/server-same.log"
k6run same.json a,a2 same-mix.json
echo "== A alone again (alternating rounds: the machine's drift shows)"
serve "a=$MODEL_A" "$OUT/server-alone2.log"
k6run same.json a alone2.json
stop
python3 - "$(rate alone.json)" "$(rate same-mix.json)" "$(rate alone2.json)" <<'PY' | tee "$OUT/summary.txt"
import sys
first, mixed, second = map(float, sys.argv[1:])
alone = (first + second) / 2
print(f"A alone {first:.1f} and {second:.1f} req/s; A + copy of A {mixed:.1f} req/s = {mixed / alone * 100:.1f}% of A alone (goal >= 90%)")
PY
echo "== results in $OUT"
