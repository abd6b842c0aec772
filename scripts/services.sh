#!/usr/bin/env bash
# Starts or stops the Redis and PostgreSQL that tests and multi-node runs use, as plain local
# processes under .services/ (no systemd, no Docker), bound to 127.0.0.1.
#   scripts/services.sh up|down|status
# Ports: REDIS_PORT (default 6390), POSTGRES_PORT (default 5433). Prints the URLs to use.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR="$ROOT/.services"
REDIS_PORT=${REDIS_PORT:-6390}
POSTGRES_PORT=${POSTGRES_PORT:-5433}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

as_postgres() {
  # initdb refuses to run as root: run PostgreSQL as the 'postgres' system user then.
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

redis_up() {
  mkdir -p "$DIR/redis"
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then echo "redis: already running on $REDIS_PORT"; return; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --pidfile "$DIR/redis/redis.pid" --dir "$DIR/redis" --logfile "$DIR/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping >/dev/null
  echo "redis: started on 127.0.0.1:$REDIS_PORT"
}

redis_down() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 && echo "redis: stopped" || echo "redis: not running"
}

postgres_up() {
  [ -n "$PG_BIN" ] || { echo "postgres: binaries not found (apt install postgresql)"; exit 1; }
  local data="$DIR/postgres"
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data"; chmod 700 "$data"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_postgres "'$PG_BIN/initdb' -D '$data' -U postgres --auth=trust -E UTF8 --no-locale" >/dev/null
  fi
  if as_postgres "'$PG_BIN/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
    echo "postgres: already running on $POSTGRES_PORT"
  else
    as_postgres "'$PG_BIN/pg_ctl' -D '$data' -o \"-p $POSTGRES_PORT -k '$data' -c listen_addresses=127.0.0.1\" -l '$data/server.log' -w start" >/dev/null
    echo "postgres: started on 127.0.0.1:$POSTGRES_PORT"
  fi
  for db in smally smally_test; do
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
      || psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  done
}

postgres_down() {
  local data="$DIR/postgres"
  if [ -f "$data/PG_VERSION" ] && as_postgres "'$PG_BIN/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
    as_postgres "'$PG_BIN/pg_ctl' -D '$data' -m fast -w stop" >/dev/null && echo "postgres: stopped"
  else
    echo "postgres: not running"
  fi
}

case "${1:-}" in
  up)
    redis_up
    postgres_up
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$POSTGRES_PORT/smally"
    ;;
  down) redis_down; postgres_down ;;
  status)
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null || echo "redis: down"
    as_postgres "'$PG_BIN/pg_ctl' -D '$DIR/postgres' status" 2>/dev/null | head -1 || echo "postgres: down"
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
