#!/usr/bin/env bash
# A throwaway PostgreSQL server for CI and local test runs. Nothing here is for production.
#
#   DATABASE_URL=$(scripts/ci-postgres.sh start)   # initdb, start, create role and database
#   scripts/ci-postgres.sh url                     # print the DATABASE_URL again
#   scripts/ci-postgres.sh runtime-url             # the runtime role's URL (see below)
#   scripts/ci-postgres.sh status
#   scripts/ci-postgres.sh stop                    # stop and delete the data
#
# The cluster lives in $DESIST_PG_DIR (default /tmp/desist-ci-pg). `start` prints only the
# DATABASE_URL on stdout; everything else goes to stderr. As root, the server runs as the
# `postgres` OS user (created if missing), because PostgreSQL refuses to run as root; as any
# other user, it runs as that user. It listens on 127.0.0.1 only, on $DESIST_PG_PORT (default
# 54329) or the next free port. The role can create databases, because pytest-django makes
# its own test database. A second role, the runtime role ($DESIST_PG_RUNTIME_USER, default
# desist_app), owns nothing and may not create databases: .ci/run runs the suite as it, with
# the first role (the owner) migrating (DESIST_MIGRATE_DATABASE_URL; scripts/db-roles.sql).
# Durability is switched off (fsync, synchronous_commit): this is a
# test server. Set DESIST_PG_KEEP=1 to keep the data directory after `stop`.
set -euo pipefail
umask 077

PGDIR="${DESIST_PG_DIR:-/tmp/desist-ci-pg}"
PORT_FIRST="${DESIST_PG_PORT:-54329}"
DB_NAME="${DESIST_PG_DB:-desist}"
DB_USER="${DESIST_PG_USER:-desist}"
RUNTIME_USER="${DESIST_PG_RUNTIME_USER:-desist_app}"
OS_USER=postgres

log() { printf '[ci-postgres] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

find_bindir() {
  local dir
  for dir in "${PG_BINDIR:-}" \
    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5nr) \
    "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")"; do
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

# Run a command as the server's OS user (root cannot run PostgreSQL), from a directory it can read.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u "$OS_USER" -- "$@")
  else
    (cd / && "$@")
  fi
}

ensure_os_user() {
  [[ $(id -u) -eq 0 ]] || return 0
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    log "creating OS user $OS_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$OS_USER"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port
  for ((port = PORT_FIRST; port < PORT_FIRST + 50; port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

psql_super() {
  local port
  port=$(cat "$PGDIR/port")
  as_pg "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR/socket" -p "$port" -U postgres -d postgres "$@"
}

# A directory this script may delete: empty, or holding the port file that `start` writes.
ours() {
  [[ -f "$1/port" || -z "$(ls -A "$1" 2>/dev/null)" ]]
}

running() {
  [[ -f "$PGDIR/data/PG_VERSION" ]] && as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1
}

cmd_start() {
  if running; then
    log "already running in $PGDIR"
    cat "$PGDIR/database_url"
    return 0
  fi
  ensure_os_user
  if [[ -d "$PGDIR" ]]; then
    ours "$PGDIR" || die "$PGDIR exists and is not a cluster made by this script; not touching it"
    rm -rf "$PGDIR"
  fi
  mkdir -p "$PGDIR/socket"
  chmod 700 "$PGDIR"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "$OS_USER:" "$PGDIR"
  fi

  local port password runtime_password
  port=$(free_port) || die "no free port in $PORT_FIRST-$((PORT_FIRST + 49))"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  runtime_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "$port" >"$PGDIR/port"

  log "initdb into $PGDIR/data with $BINDIR"
  as_pg "$BINDIR/initdb" -D "$PGDIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-instructions >"$PGDIR/initdb.log" 2>&1 || {
    cat "$PGDIR/initdb.log" >&2
    die "initdb failed"
  }
  cat >>"$PGDIR/data/postgresql.conf" <<EOF

# desist CI: loopback only, no durability (a test server)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PGDIR/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF

  log "starting on 127.0.0.1:$port"
  as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start >/dev/null || {
    tail -n 50 "$PGDIR/server.log" >&2 || true
    die "PostgreSQL did not start"
  }

  psql_super -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$password'" >/dev/null
  psql_super -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\"" >/dev/null
  psql_super -c "CREATE ROLE \"$RUNTIME_USER\" LOGIN PASSWORD '$runtime_password'" >/dev/null

  local url="postgres://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
  echo "$url" >"$PGDIR/database_url"
  echo "postgres://$RUNTIME_USER:$runtime_password@127.0.0.1:$port/$DB_NAME" >"$PGDIR/runtime_url"
  log "ready: database $DB_NAME, role $DB_USER; stop with: DESIST_PG_DIR=$PGDIR $0 stop"
  log "DATABASE_URL=$url"
  echo "$url"
}

cmd_stop() {
  if running; then
    log "stopping the server in $PGDIR"
    as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -m fast -w -t 60 stop >/dev/null ||
      as_pg "$BINDIR/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null || true
  fi
  if [[ -d "$PGDIR" && "${DESIST_PG_KEEP:-}" != "1" ]] && ours "$PGDIR"; then
    rm -rf "$PGDIR"
  fi
}

cmd_url() {
  [[ -f "$PGDIR/database_url" ]] || die "not started (no $PGDIR/database_url)"
  cat "$PGDIR/database_url"
}

cmd_runtime_url() {
  [[ -f "$PGDIR/runtime_url" ]] || die "not started (no $PGDIR/runtime_url)"
  cat "$PGDIR/runtime_url"
}

cmd_status() {
  if running; then
    log "running in $PGDIR on port $(cat "$PGDIR/port")"
  else
    log "not running"
    return 1
  fi
}

BINDIR=$(find_bindir) || die "no PostgreSQL server binaries (initdb, pg_ctl) found: apt-get install postgresql"
if [[ -x "$BINDIR/psql" ]]; then PSQL="$BINDIR/psql"; else PSQL=$(command -v psql) || die "no psql"; fi

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
url) cmd_url ;;
runtime-url) cmd_runtime_url ;;
status) cmd_status ;;
*)
  echo "usage: $0 start|stop|url|runtime-url|status" >&2
  exit 2
  ;;
esac
