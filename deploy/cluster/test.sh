#!/usr/bin/env bash
# The cluster test: starts a cluster of its own (deploy/cluster/up.sh on HANGAR_CLUSTER_PORT_BASE,
# default 27000, state in a temporary folder) and a moto server for its environments on the aws
# provider, runs deploy/cluster/test.py against it (deployments through the load balancer while a
# broker node and one of each service are SIGKILLed and restarted), then starts one Hangar on a
# single node (one of each service, SQLite, classic queues in a vhost of broker node 1) and has
# test.py run the same submissions there and compare the histories. Prints the figures, then
# stops and removes it all.
#
#   deploy/cluster/test.sh            # full: 300 deployments over 30 environments
#   deploy/cluster/test.sh --quick    # 60 over 10 (what CI runs)
#   HANGAR_BIN_DIR="$(swift build -c release --show-bin-path)" deploy/cluster/test.sh --throughput
#
# HANGAR_BIN_DIR: the executables (default: the debug build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HANGAR_LOG_TAG=hangar-cluster-test
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

deployments=300 environments=30 aws=3 mode=()
case "${1:-}" in
  --quick) deployments=60 environments=10 aws=2 ;;
  # No kills, zero-time steps, 16 clients: deployments per second (give it release binaries).
  --throughput) deployments=1000 environments=100 mode=(--throughput) ;;
esac
export HANGAR_CLUSTER_PORT_BASE="${HANGAR_CLUSTER_PORT_BASE:-27000}"
export HANGAR_STATE_DIR="${HANGAR_CLUSTER_TEST_DIR:-$(mktemp -d /tmp/hangar-cluster-test.XXXXXX)}"
status=1  # until the test says otherwise
cleanup() {
  # A failed run keeps its state (logs, emails, submissions) for a look.
  if [[ $status -eq 0 ]]; then
    HANGAR_CLUSTER_PURGE=1 "$here/down.sh" >/dev/null 2>&1 || true
  else
    "$here/down.sh" >/dev/null 2>&1 || true
    log "kept the state of this run in $HANGAR_STATE_DIR (logs in run/)"
  fi
}
trap cleanup EXIT

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"
run="$HANGAR_STATE_DIR/run"
mkdir -p "$run"
aws_args=()
if [[ ${#mode[@]} -eq 0 ]]; then
  # The aws provider's environments run against moto: the workers get its endpoint.
  moto_port=$((cluster_base + 70))
  moto_python="${HANGAR_MOTO_VENV:-$cluster_root/.hangar/moto-venv}/bin/python"
  "$here/../moto/start.sh" --install
  "$here/../moto/start.sh" --port "$moto_port" >>"$run/moto.log" 2>&1 &
  echo $! >"$run/moto.pid"
  export HANGAR_AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  for _ in $(seq 1 100); do curl -fsS "$HANGAR_AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
  aws_args=(--aws-environments "$aws" --moto "$HANGAR_AWS_ENDPOINT_URL" --moto-python "$moto_python")
fi

log "starting a cluster on port base $HANGAR_CLUSTER_PORT_BASE in $HANGAR_STATE_DIR"
output="$("$here/up.sh")" || { log "the cluster did not start"; exit 1; }
url="$(sed -n 's/^HANGAR_URL=//p' <<<"$output")"
status=0
python3 "$here/test.py" --url "$url" --base "$HANGAR_CLUSTER_PORT_BASE" --state "$HANGAR_STATE_DIR" \
  --pg-port "${HANGAR_POSTGRES_PORT:-5432}" --deployments "$deployments" --environments "$environments" \
  "${aws_args[@]}" "${mode[@]}" || status=$?
if [[ $status -ne 0 ]]; then
  log "failed; the services' last errors:"
  grep -h -i "error\|critical" "$run"/*.log 2>/dev/null | tail -n 20 >&2 || true
fi
[[ ${#mode[@]} -eq 0 ]] || exit $status

# --- The same submissions on a single node ----------------------------------------------------
log "starting Hangar on a single node to compare with"
bin="${HANGAR_BIN_DIR:-$(cd "$cluster_root" && swift build --show-bin-path)}"
# shellcheck disable=SC2046
env $(cluster_node_env 1) "$cluster_root/deploy/rabbitmq/ctl.sh" add_vhost single >/dev/null
# shellcheck disable=SC2046
env $(cluster_node_env 1) "$cluster_root/deploy/rabbitmq/ctl.sh" set_permissions -p single guest ".*" ".*" ".*" >/dev/null
single_port=$((cluster_base + 99))
single=(HANGAR_AMQP_URL="amqp://guest:guest@127.0.0.1:$((cluster_base + 1))/single" HANGAR_QUEUE_TYPE=classic
  HANGAR_DATA_DIR="$HANGAR_STATE_DIR/single"
  HANGAR_RABBITMQ_MANAGEMENT_URL="http://guest:guest@127.0.0.1:$((cluster_base + 11))" HANGAR_HTTP_PORT="$single_port"
  HANGAR_TOKENS="${HANGAR_TOKENS:-admin:admin:dev-admin-token,deployer:deployer:dev-deployer-token,viewer:viewer:dev-viewer-token}")
mkdir -p "$HANGAR_STATE_DIR/single"
port=$((cluster_base + 190))
for service in scheduler recorder notifier worker intake; do
  port=$((port + 1))
  env -u HANGAR_DATABASE_URL -u HANGAR_DATABASE_SCHEMA_PREFIX -u HANGAR_SMTP_URL "${single[@]}" HANGAR_INSTANCE="single-$service" HANGAR_WORKER_NAME="single-$service" HANGAR_METRICS_PORT="$port" \
    "$bin/hangar-$service" >>"$run/single-$service.log" 2>&1 &
  echo $! >"$run/single-$service.pid"
done
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$single_port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
python3 "$here/test.py" --url "$url" --base "$HANGAR_CLUSTER_PORT_BASE" --state "$HANGAR_STATE_DIR" \
  --compare-on "http://127.0.0.1:$single_port" "${aws_args[@]}" || status=$?
exit $status
