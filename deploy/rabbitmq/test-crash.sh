#!/usr/bin/env bash
# Checks the start/stop bookkeeping of the local broker scripts across a crash of the node:
# a second node of its own (other ports, its own epmd port and state folder) is started,
# SIGKILLed, started again and stopped; afterwards nothing of it may be left running, its
# epmd included (start.sh once forgot, after a crash, that its node had started that epmd).
# deploy/test.sh runs it; it prints "1 passed, 0 failed" or "0 passed, 1 failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export HANGAR_STATE_DIR="$(mktemp -d -t hangar-broker-crash.XXXXXX)"
export HANGAR_AMQP_PORT="${HANGAR_CRASH_TEST_AMQP_PORT:-5699}"
export HANGAR_RABBITMQ_MANAGEMENT_PORT=$((HANGAR_AMQP_PORT + 10000))
export HANGAR_RABBITMQ_PROMETHEUS_PORT=$((HANGAR_AMQP_PORT + 10001))
export HANGAR_RABBITMQ_DIST_PORT=$((HANGAR_AMQP_PORT + 20000))
export HANGAR_EPMD_PORT="${HANGAR_CRASH_TEST_EPMD_PORT:-4399}"
export HANGAR_RABBITMQ_CTL_DIST_PORT_MIN=$((HANGAR_AMQP_PORT + 30000))
export HANGAR_RABBITMQ_CTL_DIST_PORT_MAX=$((HANGAR_AMQP_PORT + 30009))
export HANGAR_RABBITMQ_NODENAME="hangar-crash-test@localhost"

listening() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }
failures=()
cleanup() {
  "$here/stop.sh" >/dev/null 2>&1 || true
  if listening "$HANGAR_EPMD_PORT"; then
    pid="$(ss -Hltnp "sport = :$HANGAR_EPMD_PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  fi
  rm -rf "$HANGAR_STATE_DIR"
}
trap cleanup EXIT

"$here/start.sh" >/dev/null
listening "$HANGAR_EPMD_PORT" || failures+=("the node's VM started no epmd on port $HANGAR_EPMD_PORT")
beam="$(tr -dc '0-9' <"$HANGAR_STATE_DIR/rabbitmq/rabbit.pid")"
kill -KILL "$beam"
while kill -0 "$beam" 2>/dev/null; do sleep 0.1; done
listening "$HANGAR_EPMD_PORT" || failures+=("epmd should outlive the node it served")

"$here/start.sh" >/dev/null
"$here/stop.sh" 2>/dev/null
listening "$HANGAR_AMQP_PORT" && failures+=("the node still listens on $HANGAR_AMQP_PORT after stop.sh")
listening "$HANGAR_EPMD_PORT" && failures+=("stop.sh left the epmd its node started running after a crash and a restart")

if [[ ${#failures[@]} -eq 0 ]]; then
  echo "broker crash bookkeeping: start, SIGKILL, start, stop leave nothing running"
  echo "1 passed, 0 failed"
else
  printf 'broker crash bookkeeping: %s\n' "${failures[@]}"
  echo "0 passed, 1 failed"
  exit 1
fi
