#!/usr/bin/env bash
# Runs Hangar's tests against real components: installs and starts what they need (the
# project-local RabbitMQ broker and PostgreSQL, the build prerequisites, the venv of the
# loopback SMTP server the notifier's tests start), then `swift test`. A broker or PostgreSQL
# this script started is stopped again at the end; one that was already running is left
# running.
# Extra arguments go to `swift test` (for example: --filter BrokerIntegrationTests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started_broker=0
if ! deploy/rabbitmq/ctl.sh -q status >/dev/null 2>&1; then
  started_broker=1
fi
started_postgres=0
if ! deploy/postgres/status.sh >/dev/null 2>&1; then
  started_postgres=1
fi
cleanup() {
  if [[ $started_postgres -eq 1 ]]; then deploy/postgres/stop.sh || true; fi
  if [[ $started_broker -eq 1 ]]; then deploy/rabbitmq/stop.sh || true; fi
}
trap cleanup EXIT
deploy/setup.sh
deploy/rabbitmq/start.sh
deploy/postgres/start.sh
# The storage tests run against both SQLite and this PostgreSQL.
export HANGAR_TEST_POSTGRES_URL="${HANGAR_TEST_POSTGRES_URL:-postgres://hangar:hangar@127.0.0.1:${HANGAR_POSTGRES_PORT:-5432}/hangar_test}"

# The notifier's tests start aiosmtpd servers on loopback (deploy/smtp/start.sh, one per
# test): make its venv now rather than inside a test's time limit.
deploy/smtp/start.sh --install
# The AWS provider's tests start moto servers (deploy/moto/start.sh): make its venv now too.
deploy/moto/start.sh --install

# The end-to-end tests start the service executables: build them all first.
swift build
export HANGAR_BIN_DIR="${HANGAR_BIN_DIR:-$(swift build --show-bin-path)}"
swift test --disable-xctest "$@"
