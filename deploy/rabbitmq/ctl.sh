#!/usr/bin/env bash
# Run rabbitmqctl against Hangar's project-local node (right HOME / cookie,
# node name, epmd address), passing all arguments through. Examples:
#
#   deploy/rabbitmq/ctl.sh list_queues name type messages
#   deploy/rabbitmq/ctl.sh stop_app
#   deploy/rabbitmq/ctl.sh start_app
#
# Set HANGAR_RABBITMQ_TOOL to run another CLI tool the same way, e.g.
#   HANGAR_RABBITMQ_TOOL=rabbitmq-diagnostics deploy/rabbitmq/ctl.sh ping
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

tool="${HANGAR_RABBITMQ_TOOL:-rabbitmqctl}"
case "$tool" in
  rabbitmqctl | rabbitmq-diagnostics | rabbitmq-plugins | rabbitmq-queues | rabbitmq-upgrade | rabbitmq-streams) ;;
  *)
    echo "ctl.sh: unsupported HANGAR_RABBITMQ_TOOL '$tool'" >&2
    exit 2
    ;;
esac

hangar_rabbitmq_export_env
exec "$HANGAR_RABBITMQ_SBIN/$tool" "$@"
