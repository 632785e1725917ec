#!/bin/sh
# The image's entrypoint (Dockerfile): one image, three commands.
#   serve (default)   the standalone server; node is PID 1 and receives SIGTERM itself (graceful shutdown)
#   migrate           apply pending migrations to DATABASE_URL, then exit (run once per release, before serve)
#   doctor [--live]   check the settings (README "Deploy"); exit 1 on any error
set -e
cmd="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  serve)
    # SQLite (DATABASE_URL unset or file:) lives on the container's own disk: gone with the container, and one
    # instance only. It runs (a quick local try), but says so in the log's own shape (README "Deploy").
    case "${DATABASE_URL:-file:}" in
      file:*) printf '{"level":40,"time":"%s","component":"entrypoint","msg":"DATABASE_URL is SQLite on the container'"'"'s own disk: lost with the container and one instance only; use PostgreSQL (README Deploy)"}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" >&2 ;;
    esac
    exec node server.js "$@" ;;
  migrate) exec node prisma/migrate.mjs deploy "$@" ;;
  doctor) exec node doctor.mjs "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
