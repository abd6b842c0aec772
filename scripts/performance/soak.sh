#!/usr/bin/env bash
# `make soak MINUTES=10`: a server started here under mixed k6 load (half cache hits) for MINUTES,
# its resident memory (VmRSS) sampled every second, drawn into results/soak-<stamp>/rss.svg. After
# the caches fill, the line must stay flat; the script prints the growth over the last half.
# Environment: MINUTES (default 10), VUS (default 4), CACHE_HIT_RATIO (default 0.5), PORT (18090),
#   SMALLY_BIN (default .build/release/smally, else .build/debug/smally), RESULTS_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${MINUTES:-10}
PORT=${PORT:-18090}
OUT=${RESULTS_DIR:-results/soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
BIN=${SMALLY_BIN:-$( [ -x .build/release/smally ] && echo .build/release/smally || echo .build/debug/smally )}
echo "==> starting $BIN on port $PORT (auth off, L1 cache on)"
SMALLY_AUTH=off PORT=$PORT "$BIN" serve --model "${SMALLY_MODEL_DIR:-models/all-MiniLM-L6-v2}" >"$OUT/server.log" 2>&1 &
server=$!
sampler=""
trap 'kill $sampler "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "soak.sh: the server did not come up" >&2; exit 1; }
echo "seconds,rss_kib" >"$OUT/rss.csv"
( start=$(date +%s); while kill -0 "$server" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )),$rss" >>"$OUT/rss.csv"
    sleep 1
  done ) &
sampler=$!
echo "==> k6 constant load, ${VUS:-4} VUs, cache-hit ratio ${CACHE_HIT_RATIO:-0.5}, ${MINUTES} min (progress every minute)"
SCENARIO=constant VUS=${VUS:-4} DURATION="${MINUTES}m" CACHE_HIT_RATIO=${CACHE_HIT_RATIO:-0.5} \
  BASE_URL="http://127.0.0.1:$PORT" RESULTS_DIR="$OUT" \
  scripts/performance/k6.sh run --quiet scripts/performance/k6_test.js >"$OUT/k6.txt" 2>&1 &
k6=$!
while kill -0 "$k6" 2>/dev/null; do
  sleep 60
  kill -0 "$k6" 2>/dev/null && echo "    $(tail -1 "$OUT/rss.csv" | cut -d, -f1) s, RSS $(( $(tail -1 "$OUT/rss.csv" | cut -d, -f2) / 1024 )) MiB"
done
wait "$k6" || echo "soak.sh: k6 reported failed thresholds (see $OUT/k6.txt)"
python3 - "$OUT/rss.csv" "$OUT/rss.svg" <<'PY'
import sys
rows = [tuple(map(int, line.split(","))) for line in open(sys.argv[1]).read().split("\n")[1:] if line]
t = [r[0] for r in rows]; m = [r[1] / 1024 for r in rows]
W, H, L, B = 900, 360, 60, 40
tmax, mmax = max(t) or 1, max(m) * 1.1
X = lambda v: L + v / tmax * (W - L - 20)
Y = lambda v: H - B - v / mmax * (H - B - 30)
pts = " ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in zip(t, m))
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       '<rect width="100%" height="100%" fill="white"/>',
       f'<text x="{W/2}" y="18" text-anchor="middle" font-size="14">smally RSS under mixed load ({len(rows)} samples)</text>',
       f'<polyline points="{pts}" fill="none" stroke="#3366cc" stroke-width="1.5"/>',
       f'<line x1="{L}" y1="{H-B}" x2="{W-20}" y2="{H-B}" stroke="#999"/><line x1="{L}" y1="30" x2="{L}" y2="{H-B}" stroke="#999"/>']
for k in range(5):
    v = mmax * k / 4; s = tmax * k / 4
    svg.append(f'<text x="{L-6}" y="{Y(v)+4:.1f}" text-anchor="end">{v:.0f} MiB</text>')
    svg.append(f'<text x="{X(s):.1f}" y="{H-B+16}" text-anchor="middle">{s:.0f} s</text>')
svg.append("</svg>")
open(sys.argv[2], "w").write("\n".join(svg))
half = [b for a, b in zip(t, m) if a >= tmax / 2]
print(f"soak: RSS {m[0]:.0f} MiB at start, {max(m):.0f} MiB peak, {m[-1]:.0f} MiB at the end; "
      f"second half {min(half):.0f}-{max(half):.0f} MiB (growth {half[-1]-half[0]:+.1f} MiB)")
PY
echo "==> $OUT/rss.svg"
