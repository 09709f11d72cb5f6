#!/usr/bin/env bash
# Stops the cluster started by scripts/pg/start.sh (same MARQUEE_PG_DIR). Data is kept;
# pass --wipe to delete the data directory too.
set -euo pipefail

DIR="${MARQUEE_PG_DIR:-/tmp/marquee-pg}"
PG_MAJOR="${MARQUEE_PG_MAJOR:-15}"
log() { echo "[pg/stop] $*" >&2; }

if [ -x "/usr/lib/postgresql/$PG_MAJOR/bin/pg_ctl" ]; then
  BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
else
  BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
fi
[ -n "$BIN" ] || { log "no PostgreSQL found"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
  as_pg() { (cd / && "$@"); }
fi

if [ -f "$DIR/PG_VERSION" ] && as_pg "$BIN/pg_ctl" status -D "$DIR" >/dev/null 2>&1; then
  log "stopping the server in $DIR"
  as_pg "$BIN/pg_ctl" stop -D "$DIR" -m fast -w -t 60 >/dev/null
else
  log "no server running in $DIR"
fi

if [ "${1:-}" = "--wipe" ]; then
  log "removing $DIR"
  rm -rf "$DIR"
fi
