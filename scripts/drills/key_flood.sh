#!/usr/bin/env bash
# Key-guessing flood drill: a valid client's latency with and without a concurrent flood of
# random, well-formed, unknown API keys, and whether its usage is still written exactly.
#   scripts/drills/key_flood.sh [seconds per phase, default 10]
# Starts the release server on embedded defaults (SQLite) on port 18120 with the failed-credential
# throttle OFF (AUTH_FAILURES_PER_MINUTE=0: the worst case, every guess reaches the key cache and
# the store) and stops it again. Needs wrk (apt) and a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/release/smally}
PORT=${FLOOD_PORT:-18120}
SECONDS_PER_PHASE=${1:-10}
DATA=$(mktemp -d)
AUTH_FAILURES_PER_MINUTE=${AUTH_FAILURES_PER_MINUTE:-0} SMALLY_DATA_DIR="$DATA" REDIS_URL= DATABASE_URL= \
  ADMIN_TOKEN=$(python3 -c "import secrets; print(secrets.token_hex(24))") \
  TIER_SCALE_REQUESTS_PER_MINUTE=10000000 TIER_SCALE_EMBEDDINGS_PER_MONTH=1000000000 LOG_LEVEL=error \
  "$BIN" serve --port "$PORT" >"$DATA/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done
KEY=$(cat "$DATA/dev-api-key")
URL="http://127.0.0.1:$PORT"
valid() { API_KEY=$KEY wrk -t1 -c4 -d"${SECONDS_PER_PHASE}s" --latency -s scripts/performance/wrk/embed_cached.lua "$URL"; }
echo "==> $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; throttle ${AUTH_FAILURES_PER_MINUTE:-0}/min"
warm=$(API_KEY=$KEY wrk -t1 -c2 -d2s -s scripts/performance/wrk/embed_cached.lua "$URL" | awk '/requests in/ {print $1}')
echo "==> quiet: valid key, 4 connections, ${SECONDS_PER_PHASE} s"
quiet=$(valid); echo "$quiet" | grep -E "Requests/sec|99%|non-200|requests in"
echo "==> flood: the same, while 8 connections send random keys"
KEY_PREFIX=sk_ wrk -t1 -c8 -d"$((SECONDS_PER_PHASE + 2))s" -s scripts/performance/wrk/random_keys.lua "$URL" >"$DATA/flood.txt" &
flood_pid=$!
sleep 1
during=$(valid); echo "$during" | grep -E "Requests/sec|99%|non-200|requests in"
wait $flood_pid
grep -E "Requests/sec|flood:" "$DATA/flood.txt"
sleep 2.5  # usage is flushed every second
served=$(( warm + $(echo "$quiet" | awk '/requests in/ {print $1}') + $(echo "$during" | awk '/requests in/ {print $1}') ))
recorded=$(curl -sf "$URL/v1/usage" -H "Authorization: Bearer $KEY" | python3 -c "import json,sys; print(json.load(sys.stdin)['totals']['embeddings'])")
echo "==> valid requests answered (warm-up included): $served; embeddings in the usage table: $recorded"
# wrk does not count requests still in flight when it stops (at most its 10 connections), the server does.
if [ "$recorded" -lt "$served" ] || [ "$recorded" -gt $((served + 10)) ]; then echo "!! usage differs from what was served"; fi
curl -s "$URL/metrics" | grep -E '^smally_auth_failures_total|^smally_auth_throttled_total' || true
echo "==> for scale: the same valid client while 8 connections call GET /health (no credentials at all)"
wrk -t1 -c8 -d"$((SECONDS_PER_PHASE + 2))s" "$URL/health" >"$DATA/health.txt" &
health_pid=$!
sleep 1
valid | grep -E "Requests/sec|99%"
wait $health_pid
grep -E "Requests/sec" "$DATA/health.txt"
