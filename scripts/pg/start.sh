#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for tests and benchmarks (run scripts/pg/install.sh first).
#
#   MARQUEE_PG_DIR   data directory   (default /tmp/marquee-pg)
#   MARQUEE_PG_PORT  TCP port         (default 54329; listens on 127.0.0.1 only)
#   MARQUEE_PG_MAJOR PostgreSQL major (default 15; falls back to the newest installed)
#
# If a server from an earlier run is already running in the data dir it is reused; a stopped
# cluster left there is started again (its data kept). Ensures a superuser role `marquee`
# (password `marquee`, password login over TCP) and a database `marquee`.
#
# Progress goes to stderr; stdout carries exactly one line, the LAST one:
#   DATABASE_URL=postgres://marquee:marquee@127.0.0.1:<port>/marquee
# so callers can do:  export "$(bash scripts/pg/start.sh | tail -n1)"
set -euo pipefail

DIR="${MARQUEE_PG_DIR:-/tmp/marquee-pg}"
PORT="${MARQUEE_PG_PORT:-54329}"
PG_MAJOR="${MARQUEE_PG_MAJOR:-15}"
log() { echo "[pg/start] $*" >&2; }

if [ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]; then
  BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
else
  BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
fi
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
  log "no PostgreSQL server found: run scripts/pg/install.sh first"; exit 1
fi
if [ ! -f "$("$BIN/pg_config" --sharedir)/extension/vector.control" ]; then
  log "pgvector is not installed: run scripts/pg/install.sh first"; exit 1
fi

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
  # The parent of the data dir must be traversable by `postgres` (/tmp is).
  mkdir -p "$DIR" && chown postgres: "$DIR" && chmod 0700 "$DIR"
else
  as_pg() { (cd / && "$@"); }
fi

# Connects as the bootstrap superuser over the Unix socket in the data dir (trust, see pg_hba).
psql_admin() { as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }

running() { as_pg "$BIN/pg_ctl" status -D "$DIR" >/dev/null 2>&1; }

if running; then
  RUNNING_PORT="$(sed -n 4p "$DIR/postmaster.pid" 2>/dev/null || true)"
  if [ -n "$RUNNING_PORT" ] && [ "$RUNNING_PORT" != "$PORT" ]; then
    log "a server is already running in $DIR on port $RUNNING_PORT (not $PORT); using it"
    PORT="$RUNNING_PORT"
  fi
  log "reusing the server already running in $DIR on 127.0.0.1:$PORT"
else
  if [ -f "$DIR/PG_VERSION" ] && [ "$(cat "$DIR/PG_VERSION")" != "$("$BIN/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')" ]; then
    log "$DIR holds a cluster of another major version; remove it or set MARQUEE_PG_DIR"; exit 1
  fi
  if [ ! -f "$DIR/PG_VERSION" ]; then
    log "initdb $DIR"
    if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
      log "$DIR exists, is not empty and holds no cluster; remove it or set MARQUEE_PG_DIR"; exit 1
    fi
    # local (Unix socket, in the 0700 data dir) = trust for the bootstrap user; TCP = password.
    as_pg "$BIN/initdb" -D "$DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    cat > "$DIR/pg_hba.conf" <<HBA
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
HBA
    # Settings for a 2-core / 24 GiB test and benchmark box. This is a THROWAWAY server:
    # fsync stays on (a crash leaves a consistent cluster), but synchronous_commit=off trades
    # the last few hundred ms of commits on a crash for much faster small transactions.
    # jit=off: JIT compilation only slows the short queries a recommendation API runs.
    cat >> "$DIR/postgresql.conf" <<CONF

# --- marquee test/benchmark settings (scripts/pg/start.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
max_connections = 200
shared_buffers = 512MB
effective_cache_size = 4GB
work_mem = 16MB
maintenance_work_mem = 1GB
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
max_parallel_maintenance_workers = 1
random_page_cost = 1.1
effective_io_concurrency = 100
synchronous_commit = off
fsync = on
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
checkpoint_timeout = 15min
jit = off
password_encryption = 'scram-sha-256'
logging_collector = off
log_min_messages = warning
CONF
  fi
  log "starting PostgreSQL $("$BIN/pg_config" --version | awk '{print $2}') in $DIR on 127.0.0.1:$PORT"
  # -p on the command line, so MARQUEE_PG_PORT wins over anything in postgresql.conf.
  if ! as_pg "$BIN/pg_ctl" start -D "$DIR" -w -t 60 -l "$DIR/server.log" -o "-p $PORT" >/dev/null; then
    log "failed to start; last lines of $DIR/server.log:"
    tail -n 20 "$DIR/server.log" >&2 || true
    exit 1
  fi
fi

# Idempotent: the superuser role and the database.
psql_admin -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marquee') THEN
    CREATE ROLE marquee WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD 'marquee';
  ELSE
    ALTER ROLE marquee WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD 'marquee';
  END IF;
END $$;
SELECT 'CREATE DATABASE marquee OWNER marquee'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'marquee') \gexec
SQL

echo "DATABASE_URL=postgres://marquee:marquee@127.0.0.1:$PORT/marquee"
