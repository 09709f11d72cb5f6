#!/usr/bin/env bash
# Installs a real PostgreSQL 15 server with pg_trgm and pgvector, for CI and benchmarks.
# Idempotent: when everything is already there it only checks and prints one line.
#
# Target: Debian bookworm as root (this project's machines and CI). There, bookworm has
# postgresql-15 but no pgvector package, so pgvector is built from Debian trixie's *source*
# package against the installed server, with a throwaway apt configuration (/etc/apt untouched).
#
# Assumption for other hosts (e.g. GitHub's ubuntu-latest runner): if `postgresql-15` is not
# installable from the configured apt sources, we install the distribution's default
# `postgresql` + `postgresql-contrib` and its `postgresql-<major>-pgvector` package instead,
# and start.sh picks the newest /usr/lib/postgresql/<major>/bin. No PGDG repository is added.
set -euo pipefail

PG_MAJOR="${MARQUEE_PG_MAJOR:-15}"
log() { echo "[pg/install] $*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# The bin dir of the server we use: the wanted major if present, else the newest installed.
pg_bindir() {
  if [ -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]; then
    echo "/usr/lib/postgresql/$PG_MAJOR/bin"; return
  fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; fi
}

have_ext() { # $1 = bindir, $2 = extension name
  [ -f "$("$1/pg_config" --sharedir)/extension/$2.control" ]
}

# --- fast path -------------------------------------------------------------------------
BIN="$(pg_bindir)"
if [ -n "$BIN" ] && have_ext "$BIN" vector && have_ext "$BIN" pg_trgm; then
  log "already installed: $("$BIN/postgres" --version) with pgvector and pg_trgm ($BIN)"
  exit 0
fi

APT_UPDATED=0
apt_update() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
}
apt_install() {
  log "apt-get install $*"
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
apt_has() { # is there an installable candidate for package $1?
  local c
  c="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [ -n "$c" ] && [ "$c" != "(none)" ]
}

# --- server + contrib ------------------------------------------------------------------
if [ ! -x "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]; then
  apt_update
  if apt_has "postgresql-$PG_MAJOR"; then
    pkgs=("postgresql-$PG_MAJOR")
    # On bookworm pg_trgm ships inside postgresql-15; postgresql-contrib is a metapackage.
    if apt_has postgresql-contrib; then pkgs+=(postgresql-contrib); fi
    apt_install "${pkgs[@]}"
  elif [ -z "$BIN" ]; then
    log "postgresql-$PG_MAJOR is not installable here; falling back to the distribution's default postgresql"
    apt_install postgresql postgresql-contrib
  else
    log "postgresql-$PG_MAJOR is not installable here; using the installed server in $BIN"
  fi
fi
BIN="$(pg_bindir)"
[ -n "$BIN" ] || { log "no PostgreSQL server found after install"; exit 1; }
MAJOR="$("$BIN/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')"
log "server: $("$BIN/postgres" --version) ($BIN)"

if ! have_ext "$BIN" pg_trgm; then
  apt_update
  apt_install postgresql-contrib
  have_ext "$BIN" pg_trgm || { log "pg_trgm is still missing from $("$BIN/pg_config" --sharedir)/extension"; exit 1; }
fi

# --- pgvector --------------------------------------------------------------------------
if ! have_ext "$BIN" vector; then
  if [ "$MAJOR" != "$PG_MAJOR" ] || ! dpkg-query -W -f='${Status}' "postgresql-$MAJOR" 2>/dev/null | grep -q 'ok installed' \
     || [ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
    # Non-Debian fallback (e.g. Ubuntu): the distribution's packaged pgvector.
    apt_update
    apt_install "postgresql-$MAJOR-pgvector"
  else
    apt_update
    # Pin the headers to the server's exact version: unpinned, this would upgrade the server.
    SERVER_VERSION="$(dpkg-query -W -f='${Version}' "postgresql-$MAJOR")"
    apt_install "postgresql-server-dev-$MAJOR=$SERVER_VERSION" make gcc dpkg-dev

    TMP="$(mktemp -d)"
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$TMP/parts" "$TMP/lists/partial" "$TMP/src"
    cat > "$TMP/parts/trixie-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    APT_OPTS=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$TMP/parts" -o "Dir::State::Lists=$TMP/lists")
    log "fetching pgvector source from Debian trixie (throwaway apt config in $TMP)"
    # APT::Sandbox::User=root: the temp dir is not readable by _apt; nothing here persists.
    APT_OPTS+=(-o APT::Sandbox::User=root)
    apt-get "${APT_OPTS[@]}" update -qq
    (cd "$TMP/src" && apt-get "${APT_OPTS[@]}" source -qq pgvector >/dev/null 2>&1)
    SRCDIR="$(find "$TMP/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
    [ -n "$SRCDIR" ] || { log "apt-get source pgvector produced no source tree"; exit 1; }
    log "building $(basename "$SRCDIR") against PostgreSQL $MAJOR"
    # OPTFLAGS="" as Debian does: no -march=native, so the library runs on any x86-64 host
    # (pgvector dispatches to AVX code paths at run time where it has them).
    make -s -C "$SRCDIR" -j"$(nproc)" PG_CONFIG="$BIN/pg_config" OPTFLAGS="" >/dev/null
    $SUDO make -s -C "$SRCDIR" install PG_CONFIG="$BIN/pg_config" OPTFLAGS="" >/dev/null
  fi
  have_ext "$BIN" vector || { log "pgvector is still missing from $("$BIN/pg_config" --sharedir)/extension"; exit 1; }
fi

log "done: $("$BIN/postgres" --version) with pgvector and pg_trgm ($BIN)"
