#!/usr/bin/env bash
# Stops what deploy/up.sh started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deploy/rabbitmq/stop.sh
