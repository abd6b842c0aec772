#!/usr/bin/env bash
# Starts the (debug) server on a free port with a throw-away data folder, runs the official
# openai client against it (openai_client_test.py), and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${COMPAT_PORT:-18099}
. scripts/compat/lib/test_server.sh
start_test_server "$PORT"
echo "==> /openapi.json is a valid OpenAPI 3.1 document"
curl -sf "http://127.0.0.1:$PORT/openapi.json" -o "$DATA/openapi.json"
python3 -c "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('openapi.json: valid')" "$DATA/openapi.json"
API_KEY=${API_KEY:-$(cat "$DATA/dev-api-key" 2>/dev/null || echo unused)} \
BASE_URL="http://127.0.0.1:$PORT/v1" SMALLY_BIN="$BIN" python3 scripts/compat/openai_client_test.py
