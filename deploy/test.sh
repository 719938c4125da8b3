#!/usr/bin/env bash
# Runs Hangar's tests against real components: installs and starts what they need (the
# project-local RabbitMQ broker), then `swift test`. A broker this script started is
# stopped again at the end; one that was already running is left running.
# Extra arguments go to `swift test` (for example: --filter BrokerIntegrationTests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started_broker=0
if ! deploy/rabbitmq/ctl.sh -q status >/dev/null 2>&1; then
  started_broker=1
fi
deploy/rabbitmq/start.sh
if [[ $started_broker -eq 1 ]]; then
  trap 'deploy/rabbitmq/stop.sh || true' EXIT
fi

swift test --disable-xctest "$@"
