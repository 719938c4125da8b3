#!/usr/bin/env bash
# Stops what deploy/up.sh started: the services, then the broker (and PostgreSQL if running).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/services.sh stop
deploy/rabbitmq/stop.sh
if deploy/postgres/status.sh >/dev/null 2>&1; then deploy/postgres/stop.sh; fi
