#!/usr/bin/env bash
# Sets up and starts the whole of Hangar on this machine with the embedded defaults:
# installs what is missing (RabbitMQ, rabbitmq-c, libcurl), starts the project-local broker on
# 127.0.0.1, builds, starts the services (SQLite files in .hangar/data) and creates a demo
# environment on the simulated provider. Safe to run again. Stop it all with deploy/down.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/setup.sh
deploy/rabbitmq/start.sh
echo "[hangar] building (a first build takes several minutes on 2 cores)" >&2
swift build
deploy/services.sh start

port="${HANGAR_HTTP_PORT:-8080}"
api="http://127.0.0.1:$port"
admin="${HANGAR_ADMIN_TOKEN:-dev-admin-token}"
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$api/v1/environments" \
  -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"demo","description":"Demo environment on the simulated provider","provider":"simulated",
       "target":{"stepDurationMs":400,"polls":{"create_image":3,"replace_instances":2},"pollIntervalMs":1000}}')
case "$status" in
  201) echo "[hangar] created the demo environment" >&2 ;;
  409) echo "[hangar] the demo environment exists" >&2 ;;
  *) echo "[hangar] creating the demo environment answered HTTP $status" >&2; exit 1 ;;
esac

cat <<TEXT

Hangar is up.
  console          $api/console/   (sign in with a token below)
  API              $api   (OpenAPI: $api/openapi.json)
  tokens           admin: dev-admin-token   deployer: dev-deployer-token   viewer: dev-viewer-token
  broker UI        http://127.0.0.1:15672/  (guest / guest)
  logs             .hangar/run/*.log
  emails           .hangar/data/outbox/*.eml  (no HANGAR_SMTP_URL set: the notifier writes them there)
  stop             deploy/down.sh

Publish a new version of the demo environment and watch it with the CLI:
  export HANGAR_API_URL=$api HANGAR_TOKEN=dev-deployer-token
  $(swift build --show-bin-path)/hangar deploy demo --version 1.0.0 --notify ops@example.com --wait
  $(swift build --show-bin-path)/hangar history demo

or with curl:
  curl -s -X POST $api/v1/environments/demo/deployments -H 'Authorization: Bearer dev-deployer-token' \\
       -H 'Content-Type: application/json' -d '{"version":"1.0.0","options":{"stopPreparationServer":true},"notify":{"emails":["ops@example.com"]}}'
  curl -s $api/v1/deployments/<id> -H 'Authorization: Bearer dev-viewer-token'
  curl -s $api/v1/environments/demo/deployments -H 'Authorization: Bearer dev-viewer-token'
TEXT
