# shellcheck shell=bash
# Hangar: where the project-local PostgreSQL 15 cluster lives and how to reach it.
#
# Sourced by start.sh, stop.sh and status.sh (and usable by tests):
#
#   source deploy/postgres/env.sh
#   echo "$HANGAR_POSTGRES_URL"
#
# Sourcing this file only defines HANGAR_* variables and a few functions.
# Every value can be overridden from the environment before sourcing.
#
# The cluster is owned and run by the `postgres` system user (initdb and the
# server refuse to run as root), so that user must be able to reach the data
# dir. The default is $HANGAR_STATE_DIR/postgres (<repo>/.hangar/postgres);
# when the postgres user cannot traverse the folders leading there (e.g. a
# checkout under /root), it is /var/tmp/hangar-postgres-<hash of repo path>.
# Set HANGAR_POSTGRES_DATA_DIR to choose yourself.

HANGAR_POSTGRES_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HANGAR_REPO_ROOT="$(cd "$HANGAR_POSTGRES_SCRIPT_DIR/../.." && pwd)"

: "${HANGAR_STATE_DIR:=$HANGAR_REPO_ROOT/.hangar}"
: "${HANGAR_POSTGRES_VERSION:=15}"
: "${HANGAR_POSTGRES_BIN:=/usr/lib/postgresql/$HANGAR_POSTGRES_VERSION/bin}"
# The system user that owns and runs the cluster.
: "${HANGAR_POSTGRES_OS_USER:=postgres}"
# TCP on loopback only.
: "${HANGAR_POSTGRES_BIND:=127.0.0.1}"
: "${HANGAR_POSTGRES_PORT:=5432}"
# The role the services and tests use, and the databases it owns.
: "${HANGAR_POSTGRES_USER:=hangar}"
: "${HANGAR_POSTGRES_PASSWORD:=hangar}"
: "${HANGAR_POSTGRES_DATABASES:=hangar hangar_test}"
# Connections the server accepts (tests run many stores in parallel).
: "${HANGAR_POSTGRES_MAX_CONNECTIONS:=200}"
# Seconds start.sh / stop.sh wait before giving up.
: "${HANGAR_POSTGRES_START_TIMEOUT:=60}"
: "${HANGAR_POSTGRES_STOP_TIMEOUT:=60}"

# hangar_postgres_as_user CMD...: run a command as the cluster's system user.
hangar_postgres_as_user() {
  if [[ "$(id -un)" == "$HANGAR_POSTGRES_OS_USER" ]]; then
    "$@"
  elif [[ "$(id -u)" -eq 0 ]]; then
    runuser -u "$HANGAR_POSTGRES_OS_USER" -- "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -u "$HANGAR_POSTGRES_OS_USER" -- "$@"
  else
    echo "[hangar-postgres] ERROR: need root, sudo or the $HANGAR_POSTGRES_OS_USER user to run: $*" >&2
    return 1
  fi
}

# True when the system user exists and can traverse the nearest existing
# folder on the way to $1 (folders created later get mode 755).
hangar_postgres_can_reach() {
  local dir="$1"
  while [[ ! -e "$dir" ]]; do dir="$(dirname "$dir")"; done
  id -u "$HANGAR_POSTGRES_OS_USER" >/dev/null 2>&1 || return 0 # not installed yet: decided again later
  hangar_postgres_as_user test -x "$dir" 2>/dev/null
}

# Decide the data, socket and log locations (see the top of this file). Called
# when sourced, and again by start.sh after installing PostgreSQL (the system
# user may not have existed before).
hangar_postgres_resolve_dirs() {
  if [[ -z "${HANGAR_POSTGRES_DATA_DIR:-}" || "${HANGAR_POSTGRES_DATA_DIR_CHOSEN:-}" == auto ]]; then
    HANGAR_POSTGRES_DATA_DIR_CHOSEN=auto
    if hangar_postgres_can_reach "$HANGAR_STATE_DIR/postgres"; then
      HANGAR_POSTGRES_DATA_DIR="$HANGAR_STATE_DIR/postgres"
    else
      HANGAR_POSTGRES_DATA_DIR="/var/tmp/hangar-postgres-$(printf '%s' "$HANGAR_REPO_ROOT" | sha256sum | cut -c1-12)"
    fi
  fi
  # The Unix socket (superuser access, peer auth) lives in the data dir unless
  # that path is too long for a socket address.
  if [[ -z "${HANGAR_POSTGRES_SOCKET_DIR:-}" || "${HANGAR_POSTGRES_SOCKET_DIR_CHOSEN:-}" == auto ]]; then
    HANGAR_POSTGRES_SOCKET_DIR_CHOSEN=auto
    if ((${#HANGAR_POSTGRES_DATA_DIR} <= 80)); then
      HANGAR_POSTGRES_SOCKET_DIR="$HANGAR_POSTGRES_DATA_DIR"
    else
      HANGAR_POSTGRES_SOCKET_DIR=/tmp
    fi
  fi
  HANGAR_POSTGRES_LOG_FILE="$HANGAR_POSTGRES_DATA_DIR/server.log"
  export HANGAR_POSTGRES_DATA_DIR
}
hangar_postgres_resolve_dirs

HANGAR_POSTGRES_URL="postgres://$HANGAR_POSTGRES_USER:$HANGAR_POSTGRES_PASSWORD@$HANGAR_POSTGRES_BIND:$HANGAR_POSTGRES_PORT/hangar"
: "${HANGAR_TEST_POSTGRES_URL:=postgres://$HANGAR_POSTGRES_USER:$HANGAR_POSTGRES_PASSWORD@$HANGAR_POSTGRES_BIND:$HANGAR_POSTGRES_PORT/hangar_test}"

export HANGAR_STATE_DIR HANGAR_POSTGRES_BIND HANGAR_POSTGRES_PORT \
  HANGAR_POSTGRES_URL HANGAR_TEST_POSTGRES_URL

# pg_ctl as the cluster's user, on our data dir. Runs from / so the user
# needs no access to the caller's current directory.
hangar_pg_ctl() {
  (cd / && hangar_postgres_as_user "$HANGAR_POSTGRES_BIN/pg_ctl" -D "$HANGAR_POSTGRES_DATA_DIR" "$@")
}

# True when our cluster's postmaster is running (pg_ctl status).
hangar_postgres_running() {
  [[ -s "$HANGAR_POSTGRES_DATA_DIR/postmaster.pid" ]] || return 1
  hangar_pg_ctl status >/dev/null 2>&1
}

# True when the server accepts connections on our TCP address.
hangar_postgres_answering() {
  "$HANGAR_POSTGRES_BIN/pg_isready" -q -h "$HANGAR_POSTGRES_BIND" -p "$HANGAR_POSTGRES_PORT" -t 2 >/dev/null 2>&1
}

# Print the last lines of the server log to stderr (used on failures).
hangar_postgres_show_log() {
  if [[ -s "$HANGAR_POSTGRES_LOG_FILE" ]]; then
    echo "---- last lines of $HANGAR_POSTGRES_LOG_FILE ----" >&2
    tail -n "${1:-40}" "$HANGAR_POSTGRES_LOG_FILE" >&2
  else
    echo "---- $HANGAR_POSTGRES_LOG_FILE: missing or empty ----" >&2
  fi
}

# Seconds (with milliseconds) elapsed since a start time taken from
# $EPOCHREALTIME, e.g.: t0=$EPOCHREALTIME; ...; hangar_elapsed "$t0"
hangar_elapsed() {
  local now=$EPOCHREALTIME
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}
