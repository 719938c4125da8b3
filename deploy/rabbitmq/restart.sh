#!/usr/bin/env bash
# Simulate a broker restart for integration tests.
#
#   deploy/rabbitmq/restart.sh          # default: rabbitmqctl stop_app + start_app
#   deploy/rabbitmq/restart.sh --full   # stop.sh + start.sh (new Erlang VM)
#
# Default mode keeps the Erlang VM (and epmd) up and restarts the rabbit
# application and its plugins inside it. Stopping the app closes every client
# connection (clients get connection.close 320 CONNECTION_FORCED, then the TCP
# connection is dropped) and closes the AMQP/management/prometheus
# listeners; start_app re-opens them and recovers durable queues and
# persistent messages. The script returns once AMQP and the management API
# answer again, and prints how long the restart took.
#
# Optional: HANGAR_RABBITMQ_RESTART_DOWNTIME=<seconds> keeps the broker down
# that long between stop and start (e.g. to test client reconnect back-off).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[hangar-rabbitmq] %s\n' "$*" >&2; }
here="$(dirname "${BASH_SOURCE[0]}")"
mode="app"
case "${1:-}" in
  "") ;;
  --full) mode="full" ;;
  -h | --help)
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [--full]" >&2
    exit 2
    ;;
esac
downtime="${HANGAR_RABBITMQ_RESTART_DOWNTIME:-0}"
t0=$EPOCHREALTIME

if [[ "$mode" == "full" ]]; then
  "$here/stop.sh"
  [[ "$downtime" == "0" ]] || sleep "$downtime"
  "$here/start.sh" >/dev/null
  log "full restart (stop.sh + start.sh) took $(hangar_elapsed "$t0")s"
  exit 0
fi

if ! hangar_rabbitmq_pid_alive; then
  log "ERROR: node $HANGAR_RABBITMQ_NODENAME is not running; use deploy/rabbitmq/start.sh"
  exit 1
fi

hangar_rabbitmq_cli rabbitmqctl -q stop_app >&2
log "stop_app took $(hangar_elapsed "$t0")s (client connections are closed and the listeners stopped early in it)"
[[ "$downtime" == "0" ]] || sleep "$downtime"
t1=$EPOCHREALTIME
hangar_rabbitmq_cli rabbitmqctl -q start_app >&2
hangar_rabbitmq_cli rabbitmqctl -q await_startup --timeout "$HANGAR_RABBITMQ_START_TIMEOUT" >&2
deadline=$((SECONDS + HANGAR_RABBITMQ_START_TIMEOUT))
until hangar_rabbitmq_management_up; do
  if ((SECONDS >= deadline)); then
    log "ERROR: management API did not come back within ${HANGAR_RABBITMQ_START_TIMEOUT}s"
    hangar_rabbitmq_show_logs 40
    exit 1
  fi
  sleep 0.1
done
log "start_app until AMQP + management answer took $(hangar_elapsed "$t1")s"
log "restart (stop_app + start_app) took $(hangar_elapsed "$t0")s"
