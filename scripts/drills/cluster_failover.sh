#!/usr/bin/env bash
# Redis Cluster failover under k6 load. Two API nodes share a 6-node cluster (3 masters + 3 replicas,
# started here from Debian's redis-server, `redis-cli --cluster create`); mid-load, the master that
# holds a small-quota organization's month counter is crashed (DEBUG SEGFAULT).
# Checks: 0 failed requests; each node's slot map follows the promoted replica (its log line) and
# its /ready is 200 again; prints the quota over-admission (admitted 200s beyond the monthly quota).
#   DATABASE_URL=postgres://… scripts/drills/cluster_failover.sh
# Env: SMALLY_BIN (.build/debug/smally), SMALLY_MODEL_DIR (a test fixture model), NODE_TIMEOUT
# (cluster-node-timeout, ms, 2000), VUS (8), DURATION (20s), QUOTA_RATE (quota requests/s, 100),
# QUOTA (the small organization's monthly quota, 700: spent during the failover, the worst case),
# CRASH_AFTER (s, 6). Ports: free ones, picked at run time.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SMALLY_BIN:-.build/debug/smally}
MODEL=${SMALLY_MODEL_DIR:-Tests/Fixtures/models/bert-h32-mean}
NODE_TIMEOUT=${NODE_TIMEOUT:-2000}
QUOTA=${QUOTA:-700}
CRASH_AFTER=${CRASH_AFTER:-6}
: "${DATABASE_URL:?set DATABASE_URL (the nodes share PostgreSQL)}"
K6=$(scripts/performance/k6.sh --path)

WORK=$(mktemp -d)
NODE_PIDS=(); REDIS_PORTS=(); k6_pid=""
cleanup() {
  for pid in "${NODE_PIDS[@]}" $k6_pid; do kill "$pid" 2>/dev/null || true; done
  for port in "${REDIS_PORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { echo "!! $*"; for f in "$WORK"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }
now() { date +%s.%N; }
since() { python3 -c "print(f'{$2 - $1:.2f}')"; }
# A free TCP port on 127.0.0.1 (for Redis, also its cluster bus port +10000).
free_port() {
  python3 - "$1" <<'PY'
import random, socket, sys
def free(port):
    with socket.socket() as s:
        try: s.bind(("127.0.0.1", port)); return True
        except OSError: return False
while True:
    port = random.randrange(20000, 45000)
    if free(port) and (sys.argv[1] != "redis" or free(port + 10000)): print(port); break
PY
}

echo "==> a 6-node Redis Cluster (cluster-node-timeout $NODE_TIMEOUT ms, cluster-require-full-coverage no)"
for i in 0 1 2 3 4 5; do
  port=$(free_port redis)
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no --dir "$WORK" \
    --logfile "$WORK/redis-$port.log" --pidfile "$WORK/redis-$port.pid" --cluster-enabled yes \
    --cluster-config-file "$WORK/nodes-$port.conf" --cluster-node-timeout "$NODE_TIMEOUT" \
    --cluster-require-full-coverage no --enable-debug-command yes --repl-diskless-sync-delay 0 --repl-ping-replica-period 1 >/dev/null
  REDIS_PORTS+=("$port")
done
for port in "${REDIS_PORTS[@]}"; do
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${REDIS_PORTS[@]}") --cluster-replicas 1 --cluster-yes >"$WORK/create.log" 2>&1 \
  || fail "redis-cli --cluster create failed"
for port in "${REDIS_PORTS[@]}"; do
  for _ in $(seq 200); do redis-cli -p "$port" cluster info | grep -q cluster_state:ok && break; sleep 0.1; done
done
# The live master of slot $1, from a live node's CLUSTER NODES.
master_of() {
  local port
  for port in "${REDIS_PORTS[@]}"; do
    [ "$port" = "${CRASHED:-}" ] && continue
    redis-cli -p "$port" cluster nodes 2>/dev/null | awk -v slot="$1" '
      $3 ~ /master/ && $3 !~ /fail/ { for (i = 9; i <= NF; i++) { n = split($i, r, "-"); lo = r[1]; hi = (n == 2 ? r[2] : r[1]);
        if (slot >= lo && slot <= hi) { split($2, a, "@"); split(a[1], h, ":"); print h[2]; exit } } }' && return 0
  done
}

LOAD_ORG="cluster-load-$(date +%s)-$$"
QUOTA_ORG="cluster-quota-$(date +%s)-$$"
"$BIN" orgs create "$LOAD_ORG" --tier scale --monthly-quota 1000000000000 --per-minute 10000000 >/dev/null
QUOTA_ORG_ID=$("$BIN" orgs create "$QUOTA_ORG" --tier scale --monthly-quota "$QUOTA" --per-minute 10000000 --json \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
LOAD_KEY=$("$BIN" keys create --org "$LOAD_ORG" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['key'])")
QUOTA_KEY=$("$BIN" keys create --org "$QUOTA_ORG" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['key'])")
COUNTER="smally:quota:month:$QUOTA_ORG_ID:$(date -u +%Y-%m)"
SLOT=$(redis-cli -p "${REDIS_PORTS[0]}" cluster keyslot "$COUNTER")
VICTIM=$(master_of "$SLOT")
[ -n "$VICTIM" ] || fail "no master found for slot $SLOT"

URL="redis+cluster://127.0.0.1:${REDIS_PORTS[0]},127.0.0.1:${REDIS_PORTS[1]},127.0.0.1:${REDIS_PORTS[2]}/"
NODE_PORTS=()
for node in 1 2; do
  port=$(free_port api)
  NODE_PORTS+=("$port")
  REDIS_URL=$URL SMALLY_DATA_DIR="$WORK/node$node" LOG_LEVEL=info SMALLY_DRAIN_SECONDS=0 \
    "$BIN" serve --model "$MODEL" --port "$port" >>"$WORK/node$node.log" 2>&1 &
  NODE_PIDS+=($!)
done
for port in "${NODE_PORTS[@]}"; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null || fail "node on $port not ready after 30 s"
done

echo "==> k6 for ${DURATION:-20s}: ${VUS:-8} clients alternating over two nodes + ${QUOTA_RATE:-100} req/s of an organization with a quota of $QUOTA; master :$VICTIM (slot $SLOT of its counter) crashed after $CRASH_AFTER s"
NODE1_URL="http://127.0.0.1:${NODE_PORTS[0]}" NODE2_URL="http://127.0.0.1:${NODE_PORTS[1]}" API_KEY=$LOAD_KEY QUOTA_KEY=$QUOTA_KEY \
  SUMMARY_FILE="$WORK/k6.json" DURATION=${DURATION:-20s} VUS=${VUS:-8} QUOTA_RATE=${QUOTA_RATE:-100} \
  "$K6" run --quiet --no-color scripts/drills/cluster_failover.js >"$WORK/k6.log" 2>&1 &
k6_pid=$!
sleep "$CRASH_AFTER"
lines1=$(wc -l <"$WORK/node1.log"); lines2=$(wc -l <"$WORK/node2.log")
t_crash=$(now)
redis-cli -p "$VICTIM" debug segfault >/dev/null 2>&1 || true
CRASHED=$VICTIM
# True when the last slot map that node logged after line $2 serves every slot without the crashed master.
map_follows() {
  local last
  last=$(tail -n +"$(($2 + 1))" "$WORK/$1" | grep "Redis Cluster slot map" | tail -n 1)
  [ -n "$last" ] && echo "$last" | grep -q "all_slots_served=true" \
    && ! echo "$last" | sed -n 's/.*masters=\([^ ]*\).*/\1/p' | grep -q ":$VICTIM\(,\|$\)"
}
promoted=""; map1=""; map2=""; unready=0
for _ in $(seq 600); do
  t=$(now)
  if [ -z "$promoted" ]; then owner=$(master_of "$SLOT"); [ -n "$owner" ] && [ "$owner" != "$VICTIM" ] && promoted=$(since "$t_crash" "$t"); fi
  # A node logs its slot map when it changes; the new one must not name the crashed master.
  [ -z "$map1" ] && map_follows node1.log "$lines1" && map1=$(since "$t_crash" "$t")
  [ -z "$map2" ] && map_follows node2.log "$lines2" && map2=$(since "$t_crash" "$t")
  for port in "${NODE_PORTS[@]}"; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ] || unready=1
  done
  [ -n "$promoted" ] && [ -n "$map1" ] && [ -n "$map2" ] && break
  sleep 0.1
done
[ -n "$promoted" ] || fail "no replica took over slot $SLOT within 60 s"
[ -n "$map1" ] && [ -n "$map2" ] || fail "a node's slot map did not follow the failover (node1: ${map1:-no}, node2: ${map2:-no})"
echo "    replica promoted ${promoted} s after the crash; slot maps refreshed after ${map1} s (node 1) and ${map2} s (node 2); /ready went to 503 meanwhile: $([ $unready = 1 ] && echo yes || echo no)"
wait "$k6_pid" || true; k6_pid=""
for port in "${NODE_PORTS[@]}"; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/ready" >/dev/null || fail "node on $port not ready after the failover"
done
grep -v '^\s*$' "$WORK/k6.log" | tail -n 3
read -r ok failed admitted refused p99 < <(python3 -c "import json; s = json.load(open('$WORK/k6.json')); print(s['ok'], s['failed'], s['admitted'], s['refused'], round(s['p99_ms']))")
counter=$(redis-cli -c -p "$(master_of "$SLOT")" get "$COUNTER")
echo "==> answers: $ok × 200 and $failed failed (load); quota: $admitted admitted, $refused refused (429) against a quota of $QUOTA: over-admission $((admitted > QUOTA ? admitted - QUOTA : 0)); Redis counter now $counter; p99 ${p99} ms"
[ "$failed" = 0 ] || fail "$failed requests failed during the failover"
[ "$ok" -gt 0 ] || fail "no request succeeded"
echo "==> cluster failover under load: 0 failed requests, maps refreshed"
