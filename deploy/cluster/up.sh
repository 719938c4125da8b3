#!/usr/bin/env bash
# Starts Hangar on a local cluster, beside any other Hangar on this machine (see env.sh for
# the ports): three RabbitMQ nodes joined in one cluster (Hangar's queues are quorum queues,
# replicated on all three), PostgreSQL (deploy/postgres), HAProxy in front of two intakes,
# and replicas of every service: 2 intakes, 2 schedulers, 2 recorders, 2 notifiers and 3
# workers, each given every node's address. PostgreSQL's own state stays in <repo>/.hangar
# (HANGAR_POSTGRES_STATE_DIR), whatever HANGAR_STATE_DIR says. Emails go to HANGAR_SMTP_URL, or to an SMTP sink
# that keeps them in $HANGAR_STATE_DIR/mail. Ends by printing KEY=VALUE lines: HANGAR_URL and
# the tokens. Stop it all with deploy/cluster/down.sh.
#
# HANGAR_BIN_DIR: the executables (default: the debug build, built here).
#
#   deploy/cluster/up.sh              # everything (safe to run again: starts what is not running)
#   deploy/cluster/up.sh --services   # only the services and the load balancer that are not running
set -euo pipefail
services_only=false
[[ "${1:-}" == "--services" ]] && services_only=true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"
HANGAR_LOG_TAG=hangar-cluster
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"
mkdir -p "$cluster_run" "$HANGAR_STATE_DIR/data" "$HANGAR_STATE_DIR/mail"

# --- What it needs ------------------------------------------------------------------------
if $services_only; then
  bin="${HANGAR_BIN_DIR:-$(cd "$root" && swift build --show-bin-path)}"
else
if ! command -v haproxy >/dev/null 2>&1; then
  log "installing haproxy"
  apt_install_without_starting_services haproxy
fi
# The project's PostgreSQL (deploy/postgres), wherever the cluster keeps its own state.
HANGAR_STATE_DIR="${HANGAR_POSTGRES_STATE_DIR:-$root/.hangar}" "$root/deploy/postgres/start.sh" >/dev/null
if [[ -z "${HANGAR_BIN_DIR:-}" ]]; then
  log "building"
  (cd "$root" && swift build >/dev/null)
  HANGAR_BIN_DIR="$(cd "$root" && swift build --show-bin-path)"
fi
bin="$HANGAR_BIN_DIR"

# --- The broker cluster -------------------------------------------------------------------
# One Erlang cookie for the three nodes (each node's HOME is its own folder).
cookie="$HANGAR_STATE_DIR/erlang.cookie"
[[ -s "$cookie" ]] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$cookie")
for n in $(seq 1 "$cluster_nodes"); do
  dir="$HANGAR_STATE_DIR/rabbit-$n"
  mkdir -p "$dir" && chmod 700 "$dir"
  if ! cmp -s "$cookie" "$dir/.erlang.cookie" 2>/dev/null; then
    rm -f "$dir/.erlang.cookie" && cp "$cookie" "$dir/.erlang.cookie" && chmod 400 "$dir/.erlang.cookie"
  fi
done
# All three at once: a node of a cluster that was stopped waits at boot for the others (the
# last one stopped has the newest state), so one started alone would never finish booting.
# Node 1 first, until the cluster's epmd listens, so that the others do not race to start one.
node_pids=()
for n in $(seq 1 "$cluster_nodes"); do
  "$here/node.sh" start "$n" &
  node_pids+=($!)
  if [[ $n -eq 1 ]]; then
    for _ in $(seq 1 50); do
      [[ -n "$(ss -Hltn "sport = :$((cluster_base + 40))" 2>/dev/null)" ]] && break
      sleep 0.2
    done
  fi
done
for pid in "${node_pids[@]}"; do wait "$pid" || die "a broker node did not start: see $HANGAR_STATE_DIR/rabbit-*/log"; done
first="hangar-$cluster_base-1@localhost"
ctl() {  # ctl N ARGS…: rabbitmqctl against node N (deploy/rabbitmq/ctl.sh with that node's environment)
  local n="$1"; shift
  # shellcheck disable=SC2046
  env $(cluster_node_env "$n") "$root/deploy/rabbitmq/ctl.sh" "$@"
}
for n in $(seq 2 "$cluster_nodes"); do
  if ctl "$n" cluster_status --formatter json 2>/dev/null | grep -q "\"$first\""; then continue; fi
  log "joining node $n to $first"
  ctl "$n" stop_app >/dev/null 2>&1
  ctl "$n" reset >/dev/null 2>&1
  ctl "$n" join_cluster "$first" >/dev/null 2>&1
  ctl "$n" start_app >/dev/null 2>&1
done
running_nodes="$(ctl 1 cluster_status --formatter json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))')"
[[ "$running_nodes" == "$cluster_nodes" ]] || die "the broker cluster has $running_nodes running nodes, not $cluster_nodes"
log "broker cluster: $cluster_nodes nodes running"
fi

# --- The services ---------------------------------------------------------------------------
export HANGAR_AMQP_URL="$(cluster_amqp_url)"
export HANGAR_QUEUE_TYPE=quorum
export HANGAR_DATABASE_URL="${HANGAR_CLUSTER_DATABASE_URL:-postgres://hangar:hangar@127.0.0.1:${HANGAR_POSTGRES_PORT:-5432}/hangar}"
export HANGAR_DATABASE_SCHEMA_PREFIX="cluster${cluster_base}_"
export HANGAR_DATA_DIR="$HANGAR_STATE_DIR/data"
export HANGAR_RABBITMQ_MANAGEMENT_URL="http://guest:guest@127.0.0.1:$((cluster_base + 11))"
export HANGAR_TOKENS="${HANGAR_TOKENS:-admin:admin:dev-admin-token,deployer:deployer:dev-deployer-token,viewer:viewer:dev-viewer-token}"
if [[ -z "${HANGAR_SMTP_URL:-}" ]]; then
  sink_port=$((cluster_base + 90))
  if ! [[ -f "$cluster_run/smtp.pid" ]] || ! kill -0 "$(cat "$cluster_run/smtp.pid")" 2>/dev/null; then
    "$root/deploy/smtp/start.sh" --install
    "$root/deploy/smtp/start.sh" --port "$sink_port" --dir "$HANGAR_STATE_DIR/mail" --detached >>"$cluster_run/smtp.log" 2>&1 &
    echo $! >"$cluster_run/smtp.pid"
  fi
  export HANGAR_SMTP_URL="smtp://127.0.0.1:$sink_port?starttls=off"
fi

metrics_port=$((cluster_base + 200))
start_service() {  # start_service NAME EXECUTABLE [VAR=VALUE]…
  local name="$1" executable="$2"
  shift 2
  metrics_port=$((metrics_port + 1))
  if [[ -f "$cluster_run/$name.pid" ]] && kill -0 "$(cat "$cluster_run/$name.pid")" 2>/dev/null; then return; fi
  env HANGAR_INSTANCE="$name" HANGAR_METRICS_PORT="$metrics_port" "$@" "$bin/$executable" >>"$cluster_run/$name.log" 2>&1 &
  echo $! >"$cluster_run/$name.pid"
}
# Hangar's queues as quorum queues (a state of an earlier classic run is changed, keeping every
# message): only while none of the services runs.
any_running=false
for pidfile in "$cluster_run"/{scheduler,recorder,notifier,worker,intake}-*.pid; do
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && any_running=true
done
if ! $any_running && ! $services_only; then
  "$bin/hangar-migrate-queues" quorum >>"$cluster_run/migrate-queues.log" 2>&1 || die "hangar-migrate-queues failed: see $cluster_run/migrate-queues.log"
fi
for i in 1 2; do
  start_service "scheduler-$i" hangar-scheduler
  start_service "recorder-$i" hangar-recorder
  start_service "notifier-$i" hangar-notifier
done
for i in 1 2 3; do start_service "worker-$i" hangar-worker HANGAR_WORKER_NAME="worker-$i"; done
for i in 1 2; do start_service "intake-$i" hangar-intake HANGAR_HTTP_PORT=$((cluster_base + 100 + i)); done

# --- The load balancer ------------------------------------------------------------------------
lb_port=$((cluster_base + 80))
cat >"$HANGAR_STATE_DIR/haproxy.cfg" <<CFG
# Generated by deploy/cluster/up.sh.
global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  # Server-Sent Events streams stay open: long client and server timeouts.
  timeout client 1h
  timeout server 1h
  option redispatch
  retries 2
frontend hangar
  bind 127.0.0.1:$lb_port
  default_backend intakes
backend intakes
  balance roundrobin
  option httpchk GET /health/ready
  server intake-1 127.0.0.1:$((cluster_base + 101)) check inter 1s fall 2 rise 1
  server intake-2 127.0.0.1:$((cluster_base + 102)) check inter 1s fall 2 rise 1
CFG
if ! [[ -f "$cluster_run/haproxy.pid" ]] || ! kill -0 "$(cat "$cluster_run/haproxy.pid")" 2>/dev/null; then
  haproxy -f "$HANGAR_STATE_DIR/haproxy.cfg" -db >>"$cluster_run/haproxy.log" 2>&1 &
  echo $! >"$cluster_run/haproxy.pid"
fi

url="http://127.0.0.1:$lb_port"
for _ in $(seq 1 300); do
  if curl -fsS "$url/health/ready" >/dev/null 2>&1; then
    log "Hangar is up on the cluster: $url (logs in $cluster_run)"
    echo "HANGAR_URL=$url"
    echo "HANGAR_AMQP_URL=$HANGAR_AMQP_URL"
    echo "HANGAR_ADMIN_TOKEN=dev-admin-token"
    echo "HANGAR_DEPLOYER_TOKEN=dev-deployer-token"
    echo "HANGAR_VIEWER_TOKEN=dev-viewer-token"
    exit 0
  fi
  sleep 0.2
done
die "no intake became ready behind $url; see $cluster_run/intake-*.log"
