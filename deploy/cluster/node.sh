#!/usr/bin/env bash
# Stops or starts one broker node of the local cluster (deploy/cluster/up.sh):
#
#   deploy/cluster/node.sh stop N      # graceful stop of node N (1..3)
#   deploy/cluster/node.sh kill N      # SIGKILL of node N's Erlang VM
#   deploy/cluster/node.sh start N     # start it again: it rejoins the cluster
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"
HANGAR_LOG_TAG=hangar-cluster
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

action="${1:-}" n="${2:-}"
[[ "$n" =~ ^[1-3]$ ]] || die "usage: $0 stop|kill|start N (N: 1, 2 or 3)"
node_dir="$HANGAR_STATE_DIR/rabbit-$n"
case "$action" in
  start)
    # shellcheck disable=SC2046
    env $(cluster_node_env "$n") "$here/../rabbitmq/start.sh" >/dev/null
    log "node $n started" ;;
  stop)
    # shellcheck disable=SC2046
    env $(cluster_node_env "$n") "$here/../rabbitmq/ctl.sh" stop "$node_dir/rabbit.pid"
    log "node $n stopped" ;;
  kill)
    pid="$(cat "$node_dir/rabbit.pid" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null; then log "node $n killed (pid $pid)"; else log "node $n was not running"; fi ;;
  *) die "usage: $0 stop|kill|start N" ;;
esac
