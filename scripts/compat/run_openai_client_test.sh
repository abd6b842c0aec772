#!/usr/bin/env bash
# Starts the (debug) server on a free port with a throw-away data folder, runs the official
# openai client against it (openai_client_test.py), and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
PORT=${COMPAT_PORT:-18099}
DATA=$(mktemp -d)
LOG="$DATA/server.log"
SMALLY_DATA_DIR="$DATA" REDIS_URL= DATABASE_URL= "$BIN" serve --port "$PORT" >"$LOG" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "server exited:"; cat "$LOG"; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { echo "server not ready after 60 s:"; cat "$LOG"; exit 1; }
echo "==> /openapi.json is a valid OpenAPI 3.1 document"
curl -sf "http://127.0.0.1:$PORT/openapi.json" -o "$DATA/openapi.json"
python3 -c "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('openapi.json: valid')" "$DATA/openapi.json"
API_KEY=${API_KEY:-$(cat "$DATA/dev-api-key" 2>/dev/null || echo unused)} \
BASE_URL="http://127.0.0.1:$PORT/v1" SMALLY_BIN="$BIN" python3 scripts/compat/openai_client_test.py
