#!/bin/sh
# The official postgres image's contract, in short (see the Dockerfile beside this): on the first start
# (no PG_VERSION in $PGDATA) initdb with POSTGRES_USER as the superuser and POSTGRES_PASSWORD, password
# (scram-sha-256) authentication from other hosts, and POSTGRES_DB created; then the server as PID 1,
# running as `postgres`, listening on all addresses. Like the official image, nothing listens on TCP until
# the initialisation is over, so `pg_isready -h 127.0.0.1` is not fooled by a half-initialised cluster.
set -eu
if [ "${1:-postgres}" != "postgres" ]; then exec "$@"; fi
shift || true

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "stand-in postgres: POSTGRES_PASSWORD is not set (the official image refuses too)" >&2
  exit 1
fi

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    # single-user mode: no server, no socket, nothing for a health check to see yet
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "stand-in postgres: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' "$@"
