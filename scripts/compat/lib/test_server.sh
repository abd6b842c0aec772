# Sourced by the compat scripts: starts the (debug) server on PORT with a throw-away data folder,
# embedded store, no Redis, plus any VAR=value given, waits until /ready answers (60 s at most),
# and stops it on exit. Sets DATA, LOG and SERVER_PID.
#   start_test_server PORT [VAR=value …]
start_test_server() {
  local port=$1; shift
  BIN=${SMALLY_BIN:-.build/debug/smally}
  DATA=$(mktemp -d)
  LOG="$DATA/server.log"
  env SMALLY_DATA_DIR="$DATA" REDIS_URL= DATABASE_URL= "$@" "$BIN" serve --port "$port" >"$LOG" 2>&1 &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && return 0
    kill -0 $SERVER_PID 2>/dev/null || { echo "server exited:"; cat "$LOG"; exit 1; }
    sleep 0.1
  done
  echo "server not ready after 60 s:"; cat "$LOG"; exit 1
}
