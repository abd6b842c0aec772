#!/usr/bin/env bash
# Leak check (scripts/test.sh runs it): `smally serve` under LeakSanitizer with the small fixture
# model and the embedded (SQLite) accounts store, driven through: health, an embedding (cache miss),
# the same again (cache hit), a batch, a wrong key (401), a key-less request (401), usage read back
# (after its flush), then SIGTERM (graceful shutdown: the recorder writes its last usage). At exit
# LeakSanitizer scans the heap; fails on any direct ("definitely lost") leak.
# LeakSanitizer is GCC's standalone runtime (apt liblsan0) preloaded into the unchanged debug binary,
# so no sanitizer build is needed. Valgrind 3.19 (Debian 12) cannot run Swift 6.3 binaries: it dies
# in its own code at start (SIGSEGV, even for `smally --help`), with or without debug info.
# Environment: SMALLY_BIN (default .build/debug/smally), PORT (default: a free one), MODEL (a fixture).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
# A free port unless one is given: a fixed one met another server on a shared machine, whose /health answered.
PORT=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
MODEL=${MODEL:-Tests/Fixtures/models/bert-h32-mean}
LSAN=${LSAN:-$( (ls /usr/lib/x86_64-linux-gnu/liblsan.so.0 /usr/lib/aarch64-linux-gnu/liblsan.so.0 2>/dev/null || true) | head -1)}
[ -n "$LSAN" ] || { echo "leak_check.sh: liblsan.so.0 not found (apt-get install -y liblsan0)" >&2; exit 1; }
work=$(mktemp -d)
log="$work/lsan.log"
start=$SECONDS
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# The harness must be able to fail: a 3-line C program that loses 100 bytes, under the same preload.
compiler=$(command -v cc || command -v clang || command -v gcc || true)
if [ -n "$compiler" ]; then
  printf '#include <stdlib.h>\nvoid *volatile p;\nint main(void) { p = malloc(100); p = 0; return 0; }\n' >"$work/leak.c"
  "$compiler" -O0 -o "$work/leak" "$work/leak.c"
  set +e
  LD_PRELOAD="$LSAN" LSAN_OPTIONS="exitcode=23" "$work/leak" 2>"$work/leak.err"
  leak_status=$?
  set -e
  if [ "$leak_status" -ne 23 ] || ! grep -q "^Direct leak of 100 byte" "$work/leak.err"; then
    cat "$work/leak.err" >&2
    echo "leak_check.sh: the preloaded LeakSanitizer missed a known leak (exit $leak_status)" >&2
    exit 1
  fi
  echo "==> self-check: LeakSanitizer found the known 100-byte leak of a test program"
fi

if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
  echo "leak_check.sh: something already answers on port $PORT; set PORT to a free one" >&2
  exit 1
fi
echo "==> smally serve under LeakSanitizer (fixture model $MODEL, SQLite accounts)"
# The embedded store and cache whatever the caller's environment says (scripts/test.sh exports the test
# services' DATABASE_URL and REDIS_URL: with them the server has no development key file).
env -u DATABASE_URL -u REDIS_URL SMALLY_DATA_DIR="$work/data" PORT=$PORT LD_PRELOAD="$LSAN" LSAN_OPTIONS="exitcode=23:log_path=$work/lsan:suppressions=$PWD/scripts/performance/lsan.supp:print_suppressions=1" \
  "$BIN" serve --model "$MODEL" >"$work/server.log" 2>&1 &
server=$!
for i in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; echo "leak_check.sh: the server died" >&2; exit 1; }
  [ $((i % 30)) -eq 0 ] && echo "    still starting ($i s)"
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "leak_check.sh: no /health after 600 s" >&2; exit 1; }
key=$(cat "$work/data/dev-api-key")
api() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
expect() { [ "$1" = "$2" ] || { echo "leak_check.sh: $3: HTTP $1, expected $2" >&2; exit 1; }; }
echo "==> requests: miss, hit, batch, bad key, no key, usage"
for text in "leak check one" "leak check one" "leak check two"; do
  expect "$(api -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "{\"text\": \"$text\"}" \
    "http://127.0.0.1:$PORT/v1/embed")" 200 "embed '$text'"
done
expect "$(api -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"texts": ["a b c", "leak check one"]}' \
  "http://127.0.0.1:$PORT/v1/embed")" 200 "batch"
expect "$(api -H "Authorization: Bearer sk_wrong" -H 'Content-Type: application/json' -d '{"text": "x"}' \
  "http://127.0.0.1:$PORT/v1/embed")" 401 "wrong key"
expect "$(api -H 'Content-Type: application/json' -d '{"text": "x"}' "http://127.0.0.1:$PORT/v1/embed")" 401 "no key"
sleep 2  # a usage flush
expect "$(api -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/v1/usage")" 200 "usage"
echo "==> SIGTERM: graceful shutdown"
kill -TERM "$server"
set +e
wait "$server"
status=$?
set -e
server=""
cat "$work"/lsan.* >"$log" 2>/dev/null || true
grep -q "graceful\|shut" "$work/server.log" || true
if [ "$status" -ne 0 ] && [ "$status" -ne 23 ]; then
  tail -20 "$work/server.log" >&2
  echo "leak_check.sh: the server exited with $status after SIGTERM (not a graceful shutdown)" >&2
  exit 1
fi
# Proof that the scan ran: LeakSanitizer lists the suppressions it used (the singletons are always there).
grep -q "Suppressions used" "$log" || { tail -20 "$work/server.log" >&2; echo "leak_check.sh: no LeakSanitizer report at exit (did the preload work?)" >&2; exit 1; }
direct=$(grep -c "^Direct leak" "$log" || true)
indirect=$(grep -c "^Indirect leak" "$log" || true)
grep "SUMMARY" "$log" || true
if [ "$direct" -ne 0 ]; then
  grep -A25 "^Direct leak" "$log" | head -150 >&2
  echo "leak_check.sh: $direct direct (definite) leak(s)" >&2
  exit 1
fi
echo "==> leak check: 0 definite leaks, $indirect indirect; server exited $status after SIGTERM ($((SECONDS - start)) s)"
