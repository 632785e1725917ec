#!/bin/sh
# The image's entrypoint (Dockerfile): one image, three commands.
#   serve (default)   the standalone server; node is PID 1 and receives SIGTERM itself (graceful shutdown)
#   migrate           apply pending migrations to DATABASE_URL, then exit (run once per release, before serve)
#   doctor [--live]   check the settings (README "Deploy"); exit 1 on any error
set -e
cmd="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  serve) exec node server.js "$@" ;;
  migrate) exec node prisma/migrate.mjs deploy "$@" ;;
  doctor) exec node doctor.mjs "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
