#!/usr/bin/env bash
# Proves deploy/runtime-packages.txt: builds the release binary as the Dockerfile does
# (--static-swift-stdlib), makes a Debian bookworm root with debootstrap (minbase + only those
# packages), and runs the binary inside it with chroot: every shared library resolves, the server
# starts on a small model and answers /ready and /v1/embed. Slow (debootstrap downloads ~60 MiB and
# a release build takes minutes): not part of CI; the last run is recorded in docs/ops/.
#   scripts/ops/check_runtime_packages.sh [ROOT_DIR]   (needs root, debootstrap, network to deb.debian.org)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=${1:-.build/ops-runtime-root}
PORT=${OPS_PORT:-18350}
MODEL=${SMALLY_MODEL_DIR:-Tests/Fixtures/models/bert-h32-mean}
packages=$(grep -v '^#' deploy/runtime-packages.txt | xargs | tr ' ' ',')

echo "==> release build with the Swift standard library linked in (as deploy/Dockerfile)"
swift build -c release --product smally --static-swift-stdlib
BIN="$(swift build -c release --show-bin-path)/smally"

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  echo "==> debootstrap bookworm (minbase + $packages) into $ROOT"
  rm -rf "$ROOT"
  debootstrap --variant=minbase --include="$packages" bookworm "$ROOT" http://deb.debian.org/debian
fi
echo "==> packages in the root: $(chroot "$ROOT" dpkg-query -W -f '${Package}\n' | wc -l) (minbase + the list)"
install -D -m 755 "$BIN" "$ROOT/usr/local/bin/smally"
rm -rf "$ROOT/model" && cp -r "$MODEL" "$ROOT/model"

echo "==> shared libraries of the binary inside the root"
chroot "$ROOT" ldd /usr/local/bin/smally
if chroot "$ROOT" ldd /usr/local/bin/smally | grep -q 'not found'; then echo "!! a library is missing"; exit 1; fi

echo "==> smally serve inside the root"
# Swift reads its arguments from /proc/self/cmdline: without /proc every command prints the help.
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
chroot "$ROOT" env -i SMALLY_AUTH=off HOST=127.0.0.1 PORT="$PORT" SMALLY_DRAIN_SECONDS=0 \
  /usr/local/bin/smally serve --model /model >"$ROOT/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; umount "$ROOT/proc" 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/ready"; echo
curl -sf "http://127.0.0.1:$PORT/v1/embed" -H 'content-type: application/json' -d '{"text":"hello from a minimal root"}' \
  | python3 -c "import json,sys; v = json.load(sys.stdin); print('embed: dimension', len(v['embedding']))"
kill -TERM $pid; rc=0; wait $pid || rc=$?
[ "$rc" = 0 ] || { echo "!! exit status $rc"; cat "$ROOT/serve.log"; exit 1; }
echo "==> the release binary runs on Debian bookworm minbase + $(grep -v '^#' deploy/runtime-packages.txt | xargs)"
