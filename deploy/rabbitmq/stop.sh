#!/usr/bin/env bash
# Stop Hangar's project-local RabbitMQ node gracefully, wait for the Erlang VM
# to exit, then stop the epmd that start.sh's node started (epmd outlives the
# node). Idempotent: exits 0 when nothing is running.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
hangar_rabbitmq_export_env # this script runs the CLI/epmd with the node's env

log() { printf '[hangar-rabbitmq] %s\n' "$*" >&2; }

: "${HANGAR_RABBITMQ_STOP_TIMEOUT:=60}"
t0=$EPOCHREALTIME
ctl="$HANGAR_RABBITMQ_SBIN/rabbitmqctl"
short_name="${HANGAR_RABBITMQ_NODENAME%@*}"

epmd_bin() {
  if command -v epmd >/dev/null 2>&1; then
    command -v epmd
  else
    # erlang-base without the /usr/bin symlink
    compgen -G '/usr/lib/erlang/erts-*/bin/epmd' | head -n 1
  fi
}
EPMD="$(epmd_bin || true)"

# Is our node name registered with epmd? (cheap: no Erlang VM is started)
registered_with_epmd() {
  [[ -n "$EPMD" ]] || return 1
  "$EPMD" -names 2>/dev/null | grep -q "^name $short_name at port "
}

wait_pid_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

stopped_something=0
pid=""
if [[ -s "$HANGAR_RABBITMQ_PID_FILE" ]]; then
  pid="$(tr -dc '0-9' <"$HANGAR_RABBITMQ_PID_FILE")"
fi

if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
  log "stopping $HANGAR_RABBITMQ_NODENAME (pid $pid)"
  # "stop <pidfile>" returns only once that OS process has exited.
  if ! "$ctl" -q stop "$HANGAR_RABBITMQ_PID_FILE" >&2; then
    log "rabbitmqctl stop failed; sending SIGTERM to $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  if ! wait_pid_exit "$pid" "$HANGAR_RABBITMQ_STOP_TIMEOUT"; then
    log "pid $pid still alive after ${HANGAR_RABBITMQ_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || {
      log "ERROR: could not stop pid $pid"
      exit 1
    }
  fi
  stopped_something=1
elif registered_with_epmd; then
  # Pid file lost but the node is still registered: stop it by name.
  log "no live pid file, but $short_name is registered with epmd; stopping by node name"
  "$ctl" -q stop >&2 || log "WARNING: rabbitmqctl stop failed"
  stopped_something=1
fi
rm -f "$HANGAR_RABBITMQ_PID_FILE"

# epmd: only stop it if our node's VM started it (start.sh leaves a marker)
# and no other Erlang node is still registered with it.
marker="$HANGAR_RABBITMQ_NODE_DIR/epmd.started-by-hangar"
if [[ -e "$marker" && -n "$EPMD" ]]; then
  for _ in $(seq 1 50); do # the node's registration goes away with its VM
    registered_with_epmd || break
    sleep 0.1
  done
  others="$("$EPMD" -names 2>/dev/null | grep '^name ' || true)"
  if [[ -n "$others" ]]; then
    log "leaving epmd running: other nodes are registered:"
    printf '%s\n' "$others" >&2
  elif "$EPMD" -names >/dev/null 2>&1; then
    "$EPMD" -kill >/dev/null
    for _ in $(seq 1 50); do
      "$EPMD" -names >/dev/null 2>&1 || break
      sleep 0.1
    done
    log "stopped epmd on $ERL_EPMD_ADDRESS:$ERL_EPMD_PORT"
    stopped_something=1
  fi
  rm -f "$marker"
fi

if ((stopped_something)); then
  log "stopped in $(hangar_elapsed "$t0")s"
else
  log "RabbitMQ node $HANGAR_RABBITMQ_NODENAME is not running"
fi
