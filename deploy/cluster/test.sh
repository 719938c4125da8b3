#!/usr/bin/env bash
# The cluster test: starts a cluster of its own (deploy/cluster/up.sh on HANGAR_CLUSTER_PORT_BASE,
# default 27000, state in a temporary folder), runs deploy/cluster/test.py against it (deployments
# through the load balancer while a broker node and one of each service are SIGKILLed and
# restarted), prints the figures, then stops and removes the cluster.
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

deployments=300 environments=30 mode=()
case "${1:-}" in
  --quick) deployments=60 environments=10 ;;
  # No kills, zero-time steps, 16 clients: deployments per second (give it release binaries).
  --throughput) deployments=1000 environments=100 mode=(--throughput) ;;
esac
export HANGAR_CLUSTER_PORT_BASE="${HANGAR_CLUSTER_PORT_BASE:-27000}"
export HANGAR_STATE_DIR="${HANGAR_CLUSTER_TEST_DIR:-$(mktemp -d /tmp/hangar-cluster-test.XXXXXX)}"
cleanup() {
  HANGAR_CLUSTER_PURGE=1 "$here/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "starting a cluster on port base $HANGAR_CLUSTER_PORT_BASE in $HANGAR_STATE_DIR"
output="$("$here/up.sh")" || { log "the cluster did not start"; exit 1; }
url="$(sed -n 's/^HANGAR_URL=//p' <<<"$output")"
status=0
python3 "$here/test.py" --url "$url" --base "$HANGAR_CLUSTER_PORT_BASE" --state "$HANGAR_STATE_DIR" \
  --pg-port "${HANGAR_POSTGRES_PORT:-5432}" --deployments "$deployments" --environments "$environments" "${mode[@]}" || status=$?
if [[ $status -ne 0 ]]; then
  log "failed; the services' last errors:"
  grep -h -i "error\|critical" "$HANGAR_STATE_DIR"/run/*.log 2>/dev/null | tail -n 20 >&2 || true
fi
exit $status
