#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this file
# Settings of the local cluster recipe (deploy/cluster), sourced by its scripts. Everything
# listens on loopback, on ports from HANGAR_CLUSTER_PORT_BASE (default 26000), so that a
# cluster runs beside another Hangar on the same machine:
#
#   base+1..3    AMQP of broker nodes 1..3     base+11..13  their management APIs
#   base+21..23  their Prometheus endpoints    base+31..33  their Erlang distribution
#   base+40      the cluster's epmd            base+50..59  rabbitmqctl's distribution
#   base+80      HAProxy (the API and console) base+90      the SMTP sink
#   base+101..   the intakes                    base+201..   every replica's /metrics
#
# State (broker nodes, logs, pid files, emails) lives under HANGAR_STATE_DIR (default
# <repo>/.hangar/cluster); the services' tables in PostgreSQL (deploy/postgres), database
# hangar, schemas prefixed cluster<base>_.
: "${HANGAR_CLUSTER_PORT_BASE:=26000}"
cluster_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${HANGAR_STATE_DIR:=$cluster_root/.hangar/cluster}"
cluster_run="$HANGAR_STATE_DIR/run"
cluster_base="$HANGAR_CLUSTER_PORT_BASE"
cluster_nodes=3

# The environment deploy/rabbitmq's scripts need for node N.
cluster_node_env() {
  local n="$1"
  echo "HANGAR_STATE_DIR=$HANGAR_STATE_DIR" \
    "HANGAR_RABBITMQ_NODE_DIR=$HANGAR_STATE_DIR/rabbit-$n" \
    "HANGAR_RABBITMQ_NODENAME=hangar-$cluster_base-$n@localhost" \
    "HANGAR_AMQP_PORT=$((cluster_base + n))" \
    "HANGAR_RABBITMQ_MANAGEMENT_PORT=$((cluster_base + 10 + n))" \
    "HANGAR_RABBITMQ_PROMETHEUS_PORT=$((cluster_base + 20 + n))" \
    "HANGAR_RABBITMQ_DIST_PORT=$((cluster_base + 30 + n))" \
    "HANGAR_EPMD_PORT=$((cluster_base + 40))" \
    "HANGAR_RABBITMQ_CTL_DIST_PORT_MIN=$((cluster_base + 50))" \
    "HANGAR_RABBITMQ_CTL_DIST_PORT_MAX=$((cluster_base + 59))"
}

# Every node's AMQP URL, comma-separated (the services' HANGAR_AMQP_URL).
cluster_amqp_url() {
  local n urls=()
  for n in $(seq 1 "$cluster_nodes"); do urls+=("amqp://guest:guest@127.0.0.1:$((cluster_base + n))/"); done
  (IFS=,; echo "${urls[*]}")
}
