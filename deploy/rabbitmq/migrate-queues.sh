#!/usr/bin/env bash
# Changes the type of Hangar's queues in the vhost of HANGAR_AMQP_URL (default: the local
# broker's "/") to classic or quorum, keeping every message: a queue's type cannot change in
# place. Stop Hangar's services first; then start them with HANGAR_QUEUE_TYPE set to the new
# type. Builds and runs hangar-migrate-queues (see its --help).
#
#   deploy/rabbitmq/migrate-queues.sh classic|quorum
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
swift build --product hangar-migrate-queues >&2
exec "$(swift build --show-bin-path)/hangar-migrate-queues" "$@"
