#!/usr/bin/env bash
# Leak check (scripts/test.sh runs it): `smally serve` under valgrind memcheck with the small fixture
# model and the embedded (SQLite) accounts store, driven through: health, an embedding (cache miss),
# the same again (cache hit), a batch, a wrong key (401), a key-less request (401), usage read back
# (after its flush), then SIGTERM (graceful shutdown: the recorder writes its last usage). Fails
# when valgrind reports any "definitely lost" block.
# Environment: SMALLY_BIN (default .build/debug/smally), PORT (default 18190), MODEL (a fixture).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
PORT=${PORT:-18190}
MODEL=${MODEL:-Tests/Fixtures/models/bert-h32-mean}
command -v valgrind >/dev/null || { echo "leak_check.sh: valgrind not found (apt-get install -y valgrind)" >&2; exit 1; }
work=$(mktemp -d)
log="$work/valgrind.log"
start=$SECONDS
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

echo "==> smally serve under valgrind memcheck (fixture model $MODEL, SQLite accounts); start-up takes a while"
SMALLY_DATA_DIR="$work/data" PORT=$PORT \
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=30 --log-file="$log" \
  "$BIN" serve --model "$MODEL" >"$work/server.log" 2>&1 &
server=$!
for i in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" "$log" >&2; echo "leak_check.sh: the server died" >&2; exit 1; }
  [ $((i % 30)) -eq 0 ] && echo "    still starting under valgrind ($i s)"
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
wait "$server" || true
server=""
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$log" || true
definite=$(grep -oE "definitely lost: [0-9,]+ bytes" "$log" | tail -1 | grep -oE "[0-9,]+" | tr -d , || true)
[ -n "$definite" ] || { tail -30 "$log" >&2; echo "leak_check.sh: no leak summary from valgrind" >&2; exit 1; }
if [ "$definite" -ne 0 ]; then
  grep -B2 -A30 "definitely lost in" "$log" | head -120 >&2
  echo "leak_check.sh: $definite bytes definitely lost" >&2
  exit 1
fi
echo "==> leak check: 0 bytes definitely lost ($((SECONDS - start)) s)"
