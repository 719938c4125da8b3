#!/usr/bin/env bash
# Stops what deploy/up.sh started, and the project-local PostgreSQL if it is running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/rabbitmq/stop.sh
deploy/postgres/stop.sh # says so and exits 0 when PostgreSQL is not running
