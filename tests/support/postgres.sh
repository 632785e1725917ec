#!/usr/bin/env bash
# A throw-away PostgreSQL for tests and CI (never for production data).
#
#   tests/support/postgres.sh start [dbname]   initdb (first time) + start + create the database; prints its URL
#   tests/support/postgres.sh stop             stop the server (data stays in .data/pg)
#   tests/support/postgres.sh destroy          stop and delete .data/pg
#   tests/support/postgres.sh url [dbname]     print the URL
#
# Debian's PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin). The server refuses to run as root, so
# when run as root it runs as the `postgres` user, which owns .data/pg. It listens on 127.0.0.1 only,
# with its Unix socket inside .data/pg, trust authentication (loopback, test data only).
# env: PG_TEST_PORT (default 55432), PG_TEST_DIR (default .data/pg), PG_BIN (default: found automatically)
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${PG_TEST_PORT:-55432}"
DIR="$(realpath -m "${PG_TEST_DIR:-.data/pg}")"
DATA="$DIR/data"
DB="${2:-wcp_test}"
URL="postgresql://postgres@127.0.0.1:$PORT/$DB"

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && { echo "$d"; return; }; done
  local p; p="$(command -v pg_ctl || true)"
  [ -n "$p" ] && { dirname "$(realpath "$p")"; return; }
  return 1
}

# Runs a command as the server's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    local cmd; cmd="$(printf '%q ' "$@")"
    su postgres -s /bin/sh -c "$cmd"
  else
    "$@"
  fi
}

psql_admin() { as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

case "${1:-}" in
  start)
    BIN="$(find_bin)" || { echo "postgres.sh: PostgreSQL binaries (pg_ctl, initdb) not found; install Debian's postgresql" >&2; exit 1; }
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then
      chown postgres "$DIR"
      # The checkout may sit under a directory the postgres user cannot enter (e.g. /root).
      if ! su postgres -s /bin/sh -c "test -w '$DIR'"; then
        echo "postgres.sh: the postgres user cannot write $DIR; set PG_TEST_DIR (e.g. /tmp/wcp-test-pg)" >&2
        exit 1
      fi
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      # fsync off: throw-away data, much faster on CI disks. max_connections: several app processes × pool.
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        >/dev/null || { tail -20 "$DIR/server.log" >&2; exit 1; }
    fi
    for _ in $(seq 1 50); do "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.2; done
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
      psql_admin -c "CREATE DATABASE \"$DB\"" >/dev/null
    fi
    echo "$URL"
    ;;
  stop)
    BIN="$(find_bin)" || exit 0
    [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  destroy)
    "$0" stop
    rm -rf "$DIR"
    ;;
  url)
    echo "$URL"
    ;;
  *)
    echo "usage: $0 start [dbname] | stop | destroy | url [dbname]" >&2
    exit 2
    ;;
esac
