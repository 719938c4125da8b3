# shellcheck shell=bash
# Hangar: where the project-local RabbitMQ node lives and which ports it uses.
#
# Sourced by start.sh, stop.sh, ctl.sh and restart.sh (and usable by tests):
#
#   source deploy/rabbitmq/env.sh
#   echo "$HANGAR_AMQP_URL"
#
# Sourcing this file only defines HANGAR_* variables and a few functions. It
# does NOT touch HOME or RABBITMQ_* in the caller's shell: the node's
# environment is applied only inside hangar_rabbitmq_cli (a subshell) or after
# an explicit call to hangar_rabbitmq_export_env (the scripts do that).
#
# Every value can be overridden from the environment before sourcing.

HANGAR_RABBITMQ_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HANGAR_REPO_ROOT="$(cd "$HANGAR_RABBITMQ_SCRIPT_DIR/../.." && pwd)"

: "${HANGAR_STATE_DIR:=$HANGAR_REPO_ROOT/.hangar}"
: "${HANGAR_RABBITMQ_NODE_DIR:=$HANGAR_STATE_DIR/rabbitmq}"

# Everything listens on loopback only.
: "${HANGAR_RABBITMQ_BIND:=127.0.0.1}"
: "${HANGAR_AMQP_PORT:=5672}"
: "${HANGAR_RABBITMQ_MANAGEMENT_PORT:=15672}"
: "${HANGAR_RABBITMQ_PROMETHEUS_PORT:=15692}"
: "${HANGAR_RABBITMQ_DIST_PORT:=25672}"
: "${HANGAR_EPMD_PORT:=4369}"
# The CLI tools (rabbitmqctl, ...) are Erlang nodes too; they listen briefly on
# a port from this range (RabbitMQ's default is 35672-35682).
: "${HANGAR_RABBITMQ_CTL_DIST_PORT_MIN:=35672}"
: "${HANGAR_RABBITMQ_CTL_DIST_PORT_MAX:=35682}"
: "${HANGAR_RABBITMQ_NODENAME:=rabbit@localhost}"
: "${HANGAR_RABBITMQ_USER:=guest}"
: "${HANGAR_RABBITMQ_PASSWORD:=guest}"
# Debian's rabbitmq-server package puts the real scripts here (the ones in
# /usr/sbin go through rabbitmq-script-wrapper, which wants to su to the
# rabbitmq user and would ignore our HOME).
: "${HANGAR_RABBITMQ_SBIN:=/usr/lib/rabbitmq/bin}"
# Seconds start.sh / restart.sh wait for the broker before giving up.
: "${HANGAR_RABBITMQ_START_TIMEOUT:=120}"

HANGAR_RABBITMQ_PID_FILE="$HANGAR_RABBITMQ_NODE_DIR/rabbit.pid"
HANGAR_RABBITMQ_LOG_DIR="$HANGAR_RABBITMQ_NODE_DIR/log"
# With RABBITMQ_LOG_BASE set, RabbitMQ logs to <log dir>/<nodename>.log.
HANGAR_RABBITMQ_LOG_FILE="$HANGAR_RABBITMQ_LOG_DIR/$HANGAR_RABBITMQ_NODENAME.log"
# stdout/stderr of the Erlang VM (boot failures that happen before logging is
# set up end up here).
HANGAR_RABBITMQ_CONSOLE_LOG="$HANGAR_RABBITMQ_LOG_DIR/console.log"

HANGAR_AMQP_URL="amqp://$HANGAR_RABBITMQ_USER:$HANGAR_RABBITMQ_PASSWORD@$HANGAR_RABBITMQ_BIND:$HANGAR_AMQP_PORT/"
HANGAR_RABBITMQ_MANAGEMENT_URL="http://$HANGAR_RABBITMQ_BIND:$HANGAR_RABBITMQ_MANAGEMENT_PORT/"
HANGAR_RABBITMQ_PROMETHEUS_URL="http://$HANGAR_RABBITMQ_BIND:$HANGAR_RABBITMQ_PROMETHEUS_PORT/metrics"

export HANGAR_STATE_DIR HANGAR_RABBITMQ_NODE_DIR HANGAR_RABBITMQ_BIND \
  HANGAR_AMQP_PORT HANGAR_RABBITMQ_MANAGEMENT_PORT HANGAR_RABBITMQ_PROMETHEUS_PORT \
  HANGAR_RABBITMQ_DIST_PORT HANGAR_EPMD_PORT HANGAR_RABBITMQ_NODENAME \
  HANGAR_AMQP_URL HANGAR_RABBITMQ_MANAGEMENT_URL HANGAR_RABBITMQ_PROMETHEUS_URL

# Erlang tuple form of the bind address, e.g. {127,0,0,1}.
hangar_rabbitmq_bind_tuple() {
  printf '{%s}' "${HANGAR_RABBITMQ_BIND//./,}"
}

# Export the environment that rabbitmq-server and the CLI tools need to find
# and talk to the project-local node. Changes HOME: call it in a script or a
# subshell, not in an interactive shell.
hangar_rabbitmq_export_env() {
  local dist_if
  dist_if="-kernel inet_dist_use_interface $(hangar_rabbitmq_bind_tuple)"

  # The Erlang cookie is $HOME/.erlang.cookie: server and CLI share it.
  export HOME="$HANGAR_RABBITMQ_NODE_DIR"
  export RABBITMQ_NODENAME="$HANGAR_RABBITMQ_NODENAME"
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS="$HANGAR_RABBITMQ_BIND"
  export RABBITMQ_NODE_PORT="$HANGAR_AMQP_PORT"
  export RABBITMQ_DIST_PORT="$HANGAR_RABBITMQ_DIST_PORT"
  # Our own (empty) env file, so /etc/rabbitmq/rabbitmq-env.conf is not read.
  export RABBITMQ_CONF_ENV_FILE="$HANGAR_RABBITMQ_NODE_DIR/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$HANGAR_RABBITMQ_NODE_DIR/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$HANGAR_RABBITMQ_NODE_DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$HANGAR_RABBITMQ_NODE_DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$HANGAR_RABBITMQ_NODE_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$HANGAR_RABBITMQ_LOG_DIR"
  export RABBITMQ_PID_FILE="$HANGAR_RABBITMQ_PID_FILE"
  export RABBITMQ_PLUGINS_EXPAND_DIR="$HANGAR_RABBITMQ_NODE_DIR/plugins-expand"
  export RABBITMQ_FEATURE_FLAGS_FILE="$HANGAR_RABBITMQ_NODE_DIR/feature_flags"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$dist_if"
  export RABBITMQ_CTL_ERL_ARGS="$dist_if"
  export RABBITMQ_CTL_DIST_PORT_MIN="$HANGAR_RABBITMQ_CTL_DIST_PORT_MIN"
  export RABBITMQ_CTL_DIST_PORT_MAX="$HANGAR_RABBITMQ_CTL_DIST_PORT_MAX"
  # epmd is started by the first Erlang VM that needs it and inherits these.
  export ERL_EPMD_ADDRESS="$HANGAR_RABBITMQ_BIND"
  export ERL_EPMD_PORT="$HANGAR_EPMD_PORT"
}

# hangar_rabbitmq_cli TOOL ARGS...: run one of RabbitMQ's CLI tools
# (rabbitmqctl, rabbitmq-diagnostics, rabbitmq-plugins, rabbitmq-queues, ...)
# against the project-local node, in a subshell.
hangar_rabbitmq_cli() {
  local tool="$1"
  shift
  (
    hangar_rabbitmq_export_env
    exec "$HANGAR_RABBITMQ_SBIN/$tool" "$@"
  )
}

# True when the pid file names a live process.
hangar_rabbitmq_pid_alive() {
  local pid
  [[ -s "$HANGAR_RABBITMQ_PID_FILE" ]] || return 1
  pid="$(tr -dc '0-9' <"$HANGAR_RABBITMQ_PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# True when the management API answers with the configured credentials.
hangar_rabbitmq_management_up() {
  curl -fsS -o /dev/null --max-time 5 \
    -u "$HANGAR_RABBITMQ_USER:$HANGAR_RABBITMQ_PASSWORD" \
    "${HANGAR_RABBITMQ_MANAGEMENT_URL}api/overview" 2>/dev/null
}

# Print the last lines of the node's logs to stderr (used on failures).
hangar_rabbitmq_show_logs() {
  local f
  for f in "$HANGAR_RABBITMQ_LOG_FILE" "$HANGAR_RABBITMQ_CONSOLE_LOG"; do
    if [[ -s "$f" ]]; then
      echo "---- last lines of $f ----" >&2
      tail -n "${1:-40}" "$f" >&2
    else
      echo "---- $f: missing or empty ----" >&2
    fi
  done
}

# Seconds (with milliseconds) elapsed since a start time taken from
# $EPOCHREALTIME, e.g.: t0=$EPOCHREALTIME; ...; hangar_elapsed "$t0"
hangar_elapsed() {
  local now=$EPOCHREALTIME
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}
