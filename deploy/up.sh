#!/usr/bin/env bash
# Sets up and starts Hangar on this machine with the embedded defaults: installs what is
# missing (RabbitMQ, rabbitmq-c), starts the project-local broker on 127.0.0.1, builds the
# package. Safe to run again. Stop everything with deploy/down.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

deploy/rabbitmq/start.sh
echo "[hangar] building (a first build takes a few minutes on 2 cores)" >&2
swift build
cat <<TEXT

Hangar is up.
  AMQP broker      amqp://guest:guest@127.0.0.1:5672/
  management UI    http://127.0.0.1:15672/  (guest / guest)
  AMQP benchmark   Benchmarks/amqp.sh
  databases        SQLite files (embedded default); PostgreSQL is optional: deploy/postgres/start.sh
  stop             deploy/down.sh
TEXT
