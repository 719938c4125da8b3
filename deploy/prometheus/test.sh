#!/usr/bin/env bash
# Checks Hangar's Prometheus alerts (deploy/prometheus/alerts.yml) and Grafana dashboard
# (deploy/grafana/hangar-dashboard.json):
#   1. `promtool check rules` on the alerts, and `promtool test rules` on their unit tests
#      (alerts_test.yml: every alert firing and not firing);
#   2. the dashboard: valid JSON of the expected shape (a data source variable, a query in
#      every panel, no unknown variable), each query parsed by promtool;
#   3. live: a Hangar of its own (the built services, in a fresh broker vhost, a temporary
#      data folder, on free ports) scraped every second, with the broker's per-object metrics,
#      by a Prometheus of its own (free loopback port, temporary storage) that evaluates the
#      alerts; a few deployments on the simulated provider (one retried, one failing, two
#      queued behind each other, one emailing), an undecodable message (a dead letter); then
#      every series the alerts and the dashboard read must exist — each metric name, each
#      selector with its label matchers, each label an aggregation groups by — and every
#      expression must evaluate without error (tables printed by check.py).
# Everything it started (services, Prometheus, the vhost, temporary folders) is removed at the
# end, also on failure; HANGAR_TEST_KEEP=1 keeps the folder (service logs, Prometheus' data).
#
#   deploy/prometheus/test.sh            # all three
#   deploy/prometheus/test.sh --static   # 1 and 2 only: needs neither the broker nor a build
#
# Installs the Debian package prometheus (promtool, prometheus) when missing, without starting
# or enabling its system service, nor the node exporter it recommends. Needs the broker
# (deploy/rabbitmq/start.sh; deploy/test.sh starts it) and the built services: HANGAR_BIN_DIR,
# default .build/debug (or `swift build --show-bin-path`); it builds nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo="$(pwd)"
HANGAR_LOG_TAG=hangar-prometheus
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh
# shellcheck source-path=SCRIPTDIR source=../rabbitmq/env.sh
source deploy/rabbitmq/env.sh

static_only=0
case "${1:-}" in
  "") ;;
  --static) static_only=1 ;;
  *) die "unknown option $1 (takes --static)" ;;
esac

here="$repo/deploy/prometheus"
dashboard="$repo/deploy/grafana/hangar-dashboard.json"
t0=$EPOCHREALTIME

ensure_prometheus() {
  if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then return 0; fi
  log "installing the Debian package prometheus"
  # Without recommends (no prometheus-node-exporter), under a policy-rc.d that keeps the
  # postinst from starting the service on 0.0.0.0:9090.
  apt_install_without_starting_services prometheus
  # Nor at the next boot. (Without systemd: stopped, should a policy-rc.d of the machine's own
  # have let it start.)
  if [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/prometheus ]]; then
    as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
  if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    die "the package prometheus did not install promtool and prometheus"
  fi
}
ensure_prometheus
command -v curl >/dev/null 2>&1 || die "curl is missing (deploy/setup.sh installs it)"
command -v python3 >/dev/null 2>&1 || die "python3 is missing (deploy/setup.sh installs it)"

work="$(mktemp -d "${TMPDIR:-/tmp}/hangar-prometheus.XXXXXX")"
mkdir -p "$work/run"
pids=()
vhost=""
management="http://$HANGAR_RABBITMQ_BIND:$HANGAR_RABBITMQ_MANAGEMENT_PORT"
broker_auth="$HANGAR_RABBITMQ_USER:$HANGAR_RABBITMQ_PASSWORD"

cleanup() {
  local status=$? pid
  # SIGTERM to all, then SIGKILL to whatever is still running after 15 s.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive -eq 1 ]] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ -n "$vhost" ]]; then
    curl -fsS -u "$broker_auth" -X DELETE "$management/api/vhosts/$vhost" >/dev/null 2>&1 || log "could not delete the vhost $vhost"
  fi
  if [[ "${HANGAR_TEST_KEEP:-}" == "" ]]; then
    rm -rf "$work"
  else
    log "kept $work (logs in $work/run)"
  fi
  log "$( ((status == 0)) && echo passed || echo "FAILED (exit $status)") in $(hangar_elapsed "$t0") s"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. The alerting rules ------------------------------------------------------------------
log "1/3 alerting rules: promtool check rules, promtool test rules"
promtool check rules "$here/alerts.yml"
promtool test rules "$here/alerts_test.yml"

# --- 2. The dashboard -----------------------------------------------------------------------
log "2/3 Grafana dashboard: structure, and every query parsed by promtool"
python3 "$here/check.py" dashboard "$dashboard" >"$work/dashboard-queries.json"
promtool check rules "$work/dashboard-queries.json" >/dev/null ||
  { promtool check rules "$work/dashboard-queries.json" || true; die "a dashboard query is not valid PromQL (the rule number is the query's)"; }

if [[ $static_only -eq 1 ]]; then exit 0; fi

# --- 3. Live --------------------------------------------------------------------------------
log "3/3 live: a Hangar and a Prometheus of their own"
bin="${HANGAR_BIN_DIR:-}"
if [[ -z "$bin" ]]; then
  if [[ -x "$repo/.build/debug/hangar-scheduler" ]]; then bin="$repo/.build/debug"; else bin="$(swift build --show-bin-path)"; fi
fi
for executable in hangar-migrate-queues hangar-scheduler hangar-recorder hangar-notifier hangar-worker hangar-intake; do
  [[ -x "$bin/$executable" ]] || die "missing $bin/$executable: run swift build (or set HANGAR_BIN_DIR)"
done
hangar_rabbitmq_management_up || die "the broker's management API does not answer at $management (deploy/rabbitmq/start.sh)"

# HTTP, the metrics of intake, scheduler, recorder, notifier, two workers; Prometheus.
mapfile -t ports < <(python3 "$here/check.py" ports 8)
http_port=${ports[0]} intake_port=${ports[1]} scheduler_port=${ports[2]} recorder_port=${ports[3]}
notifier_port=${ports[4]} worker1_port=${ports[5]} worker2_port=${ports[6]} prometheus_port=${ports[7]}

vhost="hangar-prometheus-$(date +%s)-$$"
curl -fsS -u "$broker_auth" -X PUT "$management/api/vhosts/$vhost" >/dev/null || die "cannot create the vhost $vhost"
curl -fsS -u "$broker_auth" -X PUT -H 'Content-Type: application/json' \
  -d '{"configure":".*","write":".*","read":".*"}' "$management/api/permissions/$vhost/$HANGAR_RABBITMQ_USER" >/dev/null

# SQLite in the temporary folder, emails to its outbox (no SMTP), whatever the caller's settings.
unset HANGAR_DATABASE_URL HANGAR_SCHEDULER_DATABASE_URL HANGAR_RECORDER_DATABASE_URL HANGAR_INTAKE_DATABASE_URL \
  HANGAR_NOTIFIER_DATABASE_URL HANGAR_SMTP_URL
export HANGAR_STATE_DIR="$work" HANGAR_DATA_DIR="$work/data" HANGAR_HTTP_PORT="$http_port" HANGAR_METRICS_HOST=127.0.0.1
export HANGAR_AMQP_URL="amqp://$broker_auth@$HANGAR_RABBITMQ_BIND:$HANGAR_AMQP_PORT/$vhost"
export HANGAR_TOKENS="admin:admin:prometheus-admin-token"
mkdir -p "$HANGAR_DATA_DIR"

# start NAME METRICS_PORT [VAR=value…]: one service in the background, its log in $work/run.
start() {
  local name="$1" port="$2" executable="$3"
  shift 3
  env HANGAR_METRICS_PORT="$port" "$@" "$bin/$executable" >>"$work/run/$name.log" 2>&1 &
  pids+=($!)
}
"$bin/hangar-migrate-queues" "${HANGAR_QUEUE_TYPE:-classic}" >"$work/run/migrate-queues.log" 2>&1 ||
  { tail -n 20 "$work/run/migrate-queues.log" >&2; die "hangar-migrate-queues failed"; }
start scheduler "$scheduler_port" hangar-scheduler
start recorder "$recorder_port" hangar-recorder
start notifier "$notifier_port" hangar-notifier
start worker-1 "$worker1_port" hangar-worker HANGAR_WORKER_NAME=worker-1
start worker-2 "$worker2_port" hangar-worker HANGAR_WORKER_NAME=worker-2
start intake "$intake_port" hangar-intake

broker_metrics="$HANGAR_RABBITMQ_BIND:$HANGAR_RABBITMQ_PROMETHEUS_PORT"
sed -e "s|@RULES@|$here/alerts.yml|" -e "s|@INTAKE@|127.0.0.1:$intake_port|" \
  -e "s|@SCHEDULER@|127.0.0.1:$scheduler_port|" -e "s|@RECORDER@|127.0.0.1:$recorder_port|" \
  -e "s|@NOTIFIER@|127.0.0.1:$notifier_port|" -e "s|@WORKERS@|\"127.0.0.1:$worker1_port\", \"127.0.0.1:$worker2_port\"|" \
  -e "s|@BROKER@|$broker_metrics|" -e "s|@VHOST@|$vhost|" "$here/prometheus-test.yml" >"$work/prometheus.yml"
promtool check config "$work/prometheus.yml" >/dev/null || { promtool check config "$work/prometheus.yml" || true; die "bad Prometheus configuration"; }
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus-data" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn >"$work/run/prometheus.log" 2>&1 &
pids+=($!)
prometheus_url="http://127.0.0.1:$prometheus_port"

# ready URL NAME: waits up to 60 s for a 2xx answer.
ready() {
  local deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$2 did not become ready at $1; the end of its log:"
      tail -n 30 "$work/run/$2.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}
ready "$prometheus_url/-/ready" prometheus
for service in scheduler:$scheduler_port recorder:$recorder_port notifier:$notifier_port worker-1:$worker1_port \
  worker-2:$worker2_port intake:$intake_port; do
  ready "http://127.0.0.1:${service#*:}/health/ready" "${service%%:*}"
done
ready "http://127.0.0.1:$http_port/health/ready" intake
log "services and Prometheus ready after $(hangar_elapsed "$t0") s (Prometheus at $prometheus_url, vhost $vhost)"

# --- the workload
api="http://127.0.0.1:$http_port"
auth=(-H 'Authorization: Bearer prometheus-admin-token' -H 'Content-Type: application/json')
environment() { # NAME TARGET-JSON
  curl -fsS -o /dev/null "${auth[@]}" -X POST "$api/v1/environments" \
    -d "{\"name\":\"$1\",\"description\":\"deploy/prometheus/test.sh\",\"provider\":\"simulated\",\"target\":$2}" ||
    die "cannot create the environment $1"
}
deploy() { # ENVIRONMENT [EXTRA-JSON-MEMBERS] -> prints the deployment's id
  curl -fsS "${auth[@]}" -X POST "$api/v1/environments/$1/deployments" -d "{\"version\":\"1.0.0\"${2:+,$2}}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' || die "cannot deploy $1"
}
# Steps take no time; create_models fails once (transient: a retry); every step of "broken"
# create_image fails for good; "slow" waits twice a second on the (simulated) image, so its
# second deployment is queued behind the first for about 2 s.
environment steady '{"stepDurationMs":0,"failures":[{"step":"create_models","attempts":[1],"transient":true}]}'
environment broken '{"stepDurationMs":0,"failures":[{"step":"create_image","attempts":"all","transient":false}]}'
environment slow '{"stepDurationMs":0,"polls":{"create_image":2},"pollIntervalMs":1000}'
ids=()
ids+=("$(deploy steady '"notify":{"emails":["ops@example.com"]}')")
ids+=("$(deploy broken)")
ids+=("$(deploy slow)")
ids+=("$(deploy slow)")
# A message no service can read: the recorder dead-letters it to hangar.recorder.dead.
curl -fsS -u "$broker_auth" -X POST -H 'Content-Type: application/json' "$management/api/exchanges/$vhost/amq.default/publish" \
  -d '{"properties":{"message_id":"prometheus-test-garbage"},"routing_key":"hangar.recorder","payload":"not a Hangar message","payload_encoding":"string"}' \
  | grep -q '"routed":true' || die "could not publish the undecodable message"

deadline=$((SECONDS + 60))
for id in "${ids[@]}"; do
  until status="$(curl -fsS "${auth[@]}" "$api/v1/deployments/$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')" &&
    [[ "$status" =~ ^(succeeded|failed|cancelled|rejected)$ ]]; do
    ((SECONDS < deadline)) || die "deployment $id did not end within 60 s (status ${status:-?}; logs: HANGAR_TEST_KEEP=1)"
    sleep 0.25
  done
  log "deployment $id: $status"
done
# The email and the dead letter are counted asynchronously: wait for them (a little).
metric_seen() { # PORT TEXT
  local until_=$((SECONDS + 15))
  until curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | grep -q "$2"; do
    ((SECONDS < until_)) || { log "not seen within 15 s on port $1: $2"; return 0; }
    sleep 0.25
  done
}
metric_seen "$notifier_port" 'hangar_notifications_total{.*result="delivered"'
metric_seen "$recorder_port" 'hangar_messages_dead_lettered_total{'
log "workload done after $(hangar_elapsed "$t0") s"

python3 "$here/check.py" live "$prometheus_url" "$dashboard" "$here/alerts.yml" "$EPOCHREALTIME"
