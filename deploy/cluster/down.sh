#!/usr/bin/env bash
# Stops what deploy/cluster/up.sh started: the load balancer and the services (SIGTERM, then
# SIGKILL after 15 s), the SMTP sink, then the three broker nodes and their epmd. PostgreSQL
# is left running (deploy/postgres/stop.sh stops it); HANGAR_CLUSTER_PURGE=1 also deletes the
# state folder and the cluster's schemas.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"
HANGAR_LOG_TAG=hangar-cluster
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

shopt -s nullglob
for pidfile in "$cluster_run"/*.pid; do
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
done
for pidfile in "$cluster_run"/*.pid; do
  pid="$(cat "$pidfile")"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -KILL "$pid" 2>/dev/null; then log "killed $(basename "$pidfile" .pid)"; fi
  rm -f "$pidfile"
done
for n in $(seq 1 "$cluster_nodes"); do
  # shellcheck disable=SC2046
  env $(cluster_node_env "$n") "$here/../rabbitmq/stop.sh" >/dev/null 2>&1 || "$here/node.sh" kill "$n"
done
log "stopped"
if [[ "${HANGAR_CLUSTER_PURGE:-0}" == 1 ]]; then
  rm -rf "$HANGAR_STATE_DIR"
  for service in intake scheduler recorder notifier; do
    PGPASSWORD=hangar psql -h 127.0.0.1 -p "${HANGAR_POSTGRES_PORT:-5432}" -U hangar -d hangar -q \
      -c "DROP SCHEMA IF EXISTS \"cluster${cluster_base}_$service\" CASCADE" 2>/dev/null || true
  done
  log "purged $HANGAR_STATE_DIR and the cluster's schemas"
fi
