#!/usr/bin/env bash
# Runs Hangar's tests against real components: installs and starts what they need (the
# project-local RabbitMQ broker and PostgreSQL, the build prerequisites, the venv of the
# loopback SMTP server the notifier's tests start), then `swift test`. A broker or PostgreSQL
# this script started is stopped again at the end; one that was already running is left
# running. Then the console's browser tests (deploy/console/test.sh).
# Extra arguments go to `swift test` (for example: --filter BrokerIntegrationTests); without
# any, the broker-restarting AMQP tests run after the others, on their own.
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
# The tracing test starts an OTLP receiver (deploy/otlp/start.sh): its venv as well.
deploy/otlp/start.sh --install

# The end-to-end tests start the service executables: build them all first.
swift build
export HANGAR_BIN_DIR="${HANGAR_BIN_DIR:-$(swift build --show-bin-path)}"

# At most four tests at a time (Swift Testing's own setting): each end-to-end test starts a
# broker vhost's worth of services, and with every suite at once a 2-core machine ran at a load
# near 6, where timing bounds and SIGKILL tests failed by chance. Four keep it near 2 and cost
# about a minute (271 s instead of 217 s here). Set it higher on a bigger machine.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-4}"

# Runs `swift test` with its output also kept in a log; when it fails, the failing tests and
# their issues are printed again last, so that the end of a long CI log names them.
swift_test() {
  local log
  log="$(mktemp -t hangar-swift-test.XXXXXX)"
  local status=0
  swift test --disable-xctest "$@" 2>&1 | tee "$log" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "== swift test $* failed (exit $status); its failures:"
    grep -E '✘|error:|Fatal error|timed out|crashed' "$log" | tail -n 60 || true
  fi
  rm -f "$log"
  return "$status"
}

if [[ $# -gt 0 ]]; then
  swift_test "$@"
else
  # The container setup, offline: compose schema, hadolint, project checks (seconds).
  deploy/container/test.sh
  # The Kubernetes manifests, rendered and validated offline (kustomize, kubernetes-validate, KEDA's CRDs).
  deploy/kubernetes/test.sh
  # Every API response the end-to-end tests see is kept, then checked against the API document.
  export HANGAR_TEST_RESPONSE_LOG="${HANGAR_TEST_RESPONSE_LOG:-$(mktemp -t hangar-responses.XXXXXX)}"
  : >"$HANGAR_TEST_RESPONSE_LOG"
  # The AMQP client's broker tests restart the broker and force-close connections, which
  # would disturb every other suite running at the same time: they run on their own, after.
  swift_test --skip BrokerIntegrationTests
  swift_test --skip-build --filter BrokerIntegrationTests
  deploy/api/validate-responses.sh "$HANGAR_TEST_RESPONSE_LOG"
  # The broker scripts' bookkeeping across a crash of a node (a second node of its own).
  deploy/rabbitmq/test-crash.sh
  # The HTTP API fuzzed against its own OpenAPI document (schemathesis, ~2,000 requests).
  deploy/fuzz/test.sh
  # The alerting rules (promtool unit tests) and the Grafana dashboard, then both against a real
  # Prometheus scraping a Hangar of its own and the broker.
  deploy/prometheus/test.sh
  # A three-node broker cluster with every service replicated behind HAProxy, a node and one of
  # each service SIGKILLed mid-run (60 deployments; `deploy/cluster/test.sh` alone runs 300).
  deploy/cluster/test.sh --quick
fi

# The console's browser tests (headless chromium through Selenium) against a Hangar of their own;
# HANGAR_SKIP_BROWSER_TESTS=1 skips them.
if [[ -z "${HANGAR_SKIP_BROWSER_TESTS:-}" ]]; then
  deploy/console/test.sh
fi
