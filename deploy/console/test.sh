#!/usr/bin/env bash
# Runs the console's browser tests (Tests/Console, Selenium driving Debian's headless
# chromium) against a Hangar of their own: the built services (run `swift build` first) in a
# fresh RabbitMQ virtual host, a temporary data folder and a free HTTP port, started with
# deploy/services.sh and stopped at the end. Screenshots of every page go to
# $HANGAR_SCREENSHOTS (default .hangar/screenshots) and their paths are printed.
# Needs the broker (deploy/rabbitmq/start.sh; deploy/test.sh starts it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo="$(pwd)"
HANGAR_LOG_TAG=hangar-console
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh

deploy/console/setup.sh
venv="${HANGAR_CONSOLE_VENV:-$repo/.hangar/console-venv}"
management="${HANGAR_TEST_MANAGEMENT_URL:-http://127.0.0.1:15672}"
vhost="hangar-console-$(date +%s)-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/hangar-console.XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
screenshots="${HANGAR_SCREENSHOTS:-$repo/.hangar/screenshots}"
mkdir -p "$screenshots"

curl -fsS -u guest:guest -X PUT "$management/api/vhosts/$vhost" >/dev/null || die "cannot create vhost $vhost (is the broker running?)"
curl -fsS -u guest:guest -X PUT -H 'Content-Type: application/json' \
  -d '{"configure":".*","write":".*","read":".*"}' "$management/api/permissions/$vhost/guest" >/dev/null

export HANGAR_STATE_DIR="$work" HANGAR_DATA_DIR="$work/data" HANGAR_HTTP_PORT="$port" HANGAR_WORKERS=1
export HANGAR_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/$vhost"
export HANGAR_TOKENS="admin:admin:console-admin-token,deployer:deployer:console-deployer-token,viewer:viewer:console-viewer-token"
cleanup() {
  deploy/services.sh stop || true
  curl -fsS -u guest:guest -X DELETE "$management/api/vhosts/$vhost" >/dev/null 2>&1 || true
  if [[ "${HANGAR_TEST_KEEP:-}" == "" ]]; then rm -rf "$work"; else log "kept $work"; fi
}
trap cleanup EXIT
deploy/services.sh start

api="http://127.0.0.1:$port"
curl -fsS -o /dev/null -X POST "$api/v1/environments" -H 'Authorization: Bearer console-admin-token' -H 'Content-Type: application/json' \
  -d '{"name":"web","description":"The web front end (simulated)","provider":"simulated","instanceType":"t3.medium","region":"eu-west-1",
       "target":{"stepDurationMs":500,"polls":{"create_image":2},"pollIntervalMs":800}}' || die "cannot create the test environment"
curl -fsS -o /dev/null -X POST "$api/v1/environments" -H 'Authorization: Bearer console-admin-token' -H 'Content-Type: application/json' \
  -d '{"name":"flaky","description":"Its models step fails (simulated)","provider":"simulated",
       "target":{"stepDurationMs":200,"failures":[{"step":"create_models","attempts":"all","transient":false,"message":"launch template quota exceeded"}]}}' ||
  die "cannot create the failing test environment"

# The broker's management API and the virtual host: the dead-letter and workers tests publish
# a poison message and a stale worker status there. HANGAR_WORKERS=1: services.sh names it worker-1.
HANGAR_CONSOLE_URL="$api" HANGAR_SCREENSHOTS="$screenshots" HANGAR_CONSOLE_MANAGEMENT_URL="$management" HANGAR_CONSOLE_VHOST="$vhost" \
  HANGAR_CONSOLE_WORKER=worker-1 \
  HANGAR_CONSOLE_ADMIN_TOKEN=console-admin-token HANGAR_CONSOLE_VIEWER_TOKEN=console-viewer-token HANGAR_CONSOLE_DEPLOYER_TOKEN=console-deployer-token \
  "$venv/bin/python" -m unittest -v Tests/Console/test_console.py || { log "browser tests failed; logs in $work/run (HANGAR_TEST_KEEP=1 keeps them)"; exit 1; }
