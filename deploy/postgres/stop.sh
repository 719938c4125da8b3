#!/usr/bin/env bash
# Stop Hangar's project-local PostgreSQL cluster (pg_ctl stop -m fast: open
# connections are closed, transactions in progress are rolled back) and wait
# for it to exit. Idempotent: exits 0 when nothing is running.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[hangar-postgres] %s\n' "$*" >&2; }

t0=$EPOCHREALTIME
if [[ ! -x "$HANGAR_POSTGRES_BIN/pg_ctl" ]] || ! hangar_postgres_running; then
  log "PostgreSQL ($HANGAR_POSTGRES_DATA_DIR) is not running"
  exit 0
fi

pid="$(head -n 1 "$HANGAR_POSTGRES_DATA_DIR/postmaster.pid")"
log "stopping PostgreSQL (pid $pid)"
if ! hangar_pg_ctl -m fast -w -t "$HANGAR_POSTGRES_STOP_TIMEOUT" stop >/dev/null; then
  log "pg_ctl stop -m fast did not finish in ${HANGAR_POSTGRES_STOP_TIMEOUT}s; trying -m immediate"
  hangar_pg_ctl -m immediate -w -t 10 stop >/dev/null || {
    log "ERROR: could not stop PostgreSQL (pid $pid)"
    exit 1
  }
fi
log "stopped in $(hangar_elapsed "$t0")s"
