#!/usr/bin/env bash
# Opens a report (index.html) in Debian's headless chromium, saves a screenshot beside it, and checks
# what the browser rendered: every chart is an <svg> in the page's DOM, and the screenshot is a real
# image, not a blank page.
#   scripts/performance/check_report.sh results/bench-YYYYmmdd-HHMMSS/index.html
set -euo pipefail
page=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -f "$page" ] || { echo "check_report.sh: no $page" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "check_report.sh: chromium not found (apt-get install -y chromium)" >&2; exit 1; }
shot="$(dirname "$page")/screenshot.png"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$(mktemp -d)")
dom=$(timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$page" 2>/dev/null)
charts=$({ grep -o '<svg' <<<"$dom" || true; } | wc -l)
rm -f "$shot"
timeout 120 "$browser" "${flags[@]}" --window-size=1200,2400 --screenshot="$shot" "file://$page" >/dev/null 2>&1 || true
[ -s "$shot" ] || { echo "check_report.sh: chromium wrote no screenshot" >&2; exit 1; }
# A blank page compresses to a few kB; charts and tables make tens.
size=$(stat -c %s "$shot")
colours=$(python3 - "$shot" <<'PY'
import sys, zlib, struct
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        channels = {2: 3, 6: 4}[ctype]
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels + 1
# Distinct pixel values on a few rows (filters ignored: enough to tell a blank page from a drawn one).
seen = set()
for row in range(0, height, max(1, height // 40)):
    line = raw[row * stride + 1:(row + 1) * stride]
    seen.update(line[i:i + 3] for i in range(0, len(line), channels * 7))
print(len(seen))
PY
)
echo "check_report.sh: $charts SVG charts in the DOM; screenshot $shot ($size bytes, $colours distinct sampled values)"
[ "$charts" -ge 2 ] || { echo "check_report.sh: expected charts in the report, found $charts" >&2; exit 1; }
[ "$colours" -ge 8 ] || { echo "check_report.sh: the screenshot looks blank" >&2; exit 1; }
