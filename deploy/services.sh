#!/usr/bin/env bash
# Runs Hangar's services in the background on this machine: scheduler, recorder, notifier,
# workers and intake, with logs and pid files in $HANGAR_STATE_DIR/run (default .hangar/run) and data in
# $HANGAR_DATA_DIR (default .hangar/data: one SQLite file per service).
#
#   deploy/services.sh start     # builds nothing: run `swift build` first
#   deploy/services.sh stop      # graceful stop (SIGTERM), then SIGKILL after 15 s
#   deploy/services.sh status
#
# Settings (environment): HANGAR_HTTP_PORT (8080), HANGAR_WORKERS (2), HANGAR_TOKENS
# (default: development tokens admin/deployer/viewer, printed by deploy/up.sh),
# HANGAR_AMQP_URL, HANGAR_QUEUE_TYPE (classic), HANGAR_DATABASE_URL (a postgres:// URL instead of SQLite), HANGAR_LOG_LEVEL,
# HANGAR_SMTP_URL (unset: the notifier writes emails to $HANGAR_DATA_DIR/outbox),
# HANGAR_BIN_DIR (default: the debug build's; e.g. "$(swift build -c release --show-bin-path)").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
state="${HANGAR_STATE_DIR:-$repo/.hangar}"
run="$state/run"
export HANGAR_DATA_DIR="${HANGAR_DATA_DIR:-$state/data}"
export HANGAR_HTTP_PORT="${HANGAR_HTTP_PORT:-8080}"
export HANGAR_TOKENS="${HANGAR_TOKENS:-admin:admin:dev-admin-token,deployer:deployer:dev-deployer-token,viewer:viewer:dev-viewer-token}"
workers="${HANGAR_WORKERS:-2}"
bin="${HANGAR_BIN_DIR:-$(swift build --show-bin-path)}"

log() { printf '[hangar] %s\n' "$*" >&2; }

running() { [[ -f "$run/$1.pid" ]] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

start_one() {
  local name="$1" executable="$2"
  shift 2
  if running "$name"; then
    log "$name already running (pid $(cat "$run/$name.pid"))"
    return
  fi
  [[ -x "$bin/$executable" ]] || { log "missing $bin/$executable: run swift build"; exit 1; }
  env "$@" "$bin/$executable" >>"$run/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
  log "started $name (pid $!, log $run/$name.log)"
}

case "${1:-}" in
  start)
    mkdir -p "$run" "$HANGAR_DATA_DIR"
    # A broker that holds Hangar's queues with the other type (a state from an older Hangar,
    # whose queues were quorum) is brought to HANGAR_QUEUE_TYPE first, keeping every message;
    # with nothing to change this only declares the queues. Only while none of ours runs.
    if ! running scheduler && ! running recorder && ! running notifier && ! running intake && ! running worker-1; then
      "$bin/hangar-migrate-queues" "${HANGAR_QUEUE_TYPE:-classic}" >>"$run/migrate-queues.log" 2>&1 \
        || log "hangar-migrate-queues failed (see $run/migrate-queues.log); the services will say why they cannot start"
    fi
    start_one scheduler hangar-scheduler
    start_one recorder hangar-recorder
    start_one notifier hangar-notifier
    for index in $(seq 1 "$workers"); do
      # /metrics: scheduler 9101, recorder 9102, notifier 9103, workers 9104, 9105, …
      start_one "worker-$index" hangar-worker HANGAR_WORKER_NAME="worker-$index" HANGAR_METRICS_PORT="$((9103 + index))"
    done
    start_one intake hangar-intake
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$HANGAR_HTTP_PORT/health/ready" >/dev/null 2>&1; then
        log "intake ready on http://127.0.0.1:$HANGAR_HTTP_PORT"
        exit 0
      fi
      sleep 0.2
    done
    log "intake did not become ready; its log:"
    tail -n 30 "$run/intake.log" >&2
    exit 1
    ;;
  stop)
    shopt -s nullglob
    for pidfile in "$run"/*.pid; do
      name="$(basename "$pidfile" .pid)"
      pid="$(cat "$pidfile")"
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; log "killed $name"; else log "stopped $name"; fi
      fi
      rm -f "$pidfile"
    done
    ;;
  status)
    shopt -s nullglob
    for pidfile in "$run"/*.pid; do
      name="$(basename "$pidfile" .pid)"
      if running "$name"; then echo "$name running (pid $(cat "$pidfile"))"; else echo "$name stopped"; fi
    done
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
