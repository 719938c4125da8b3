#!/usr/bin/env bash
# The quick start's AWS demo: Hangar with the `aws` provider against a local AWS emulator.
# Starts moto (deploy/moto/start.sh, PyPI moto[server]) on 127.0.0.1:${HANGAR_MOTO_PORT:-5000},
# seeds it (deploy/moto/seed.py: a preparation instance, a support server, a launch template and
# an Auto Scaling group of 3 instances), (re)starts the workers with the emulator's endpoint,
# starts the rest like deploy/up.sh and creates the environment `demo-aws`. Safe to run again;
# deploy/down.sh stops everything, moto included. moto keeps its state in memory only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
state="${HANGAR_STATE_DIR:-$(pwd)/.hangar}"
run="$state/run"
port="${HANGAR_MOTO_PORT:-5000}"
log() { printf '[hangar] %s\n' "$*" >&2; }
mkdir -p "$run"

# The workers' AWS settings: the emulator's endpoint and dummy credentials (never in messages).
export HANGAR_AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-testing}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-testing}"

deploy/moto/start.sh --install
if ! { [[ -f "$run/moto.pid" ]] && kill -0 "$(cat "$run/moto.pid")" 2>/dev/null; }; then
  deploy/moto/start.sh --port "$port" >>"$run/moto.log" 2>&1 &
  echo $! >"$run/moto.pid"
  rm -f "$state/aws-demo.json"
  log "started moto (pid $!, log $run/moto.log)"
fi
for _ in $(seq 1 100); do curl -fsS "$HANGAR_AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
if [[ ! -s "$state/aws-demo.json" ]]; then
  "${HANGAR_MOTO_VENV:-$state/moto-venv}/bin/python" deploy/moto/seed.py --endpoint "$HANGAR_AWS_ENDPOINT_URL" --name demo >"$state/aws-demo.json"
  log "seeded moto: $(cat "$state/aws-demo.json")"
fi

# Workers started before without the endpoint are restarted with it.
shopt -s nullglob
for pidfile in "$run"/worker-*.pid; do
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null && ! tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q "^HANGAR_AWS_ENDPOINT_URL=$HANGAR_AWS_ENDPOINT_URL$"; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pidfile"
    log "restarting $(basename "$pidfile" .pid) with the emulator's endpoint"
  fi
done
deploy/up.sh >/dev/null

api="http://127.0.0.1:${HANGAR_HTTP_PORT:-8080}"
target=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({"region": s["region"], "preparationInstanceId": s["preparationInstanceId"], "launchTemplateId": s["launchTemplateId"], "autoScalingGroupName": s["autoScalingGroupName"], "supportServerTag": s["supportServerTag"], "keepModelVersions": 3, "checkAfterSeconds": 2, "warmupSeconds": 0}))' "$state/aws-demo.json")
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$api/v1/environments" \
  -H "Authorization: Bearer ${HANGAR_ADMIN_TOKEN:-dev-admin-token}" -H 'Content-Type: application/json' \
  -d "{\"name\":\"demo-aws\",\"description\":\"Demo environment on the aws provider against moto\",\"provider\":\"aws\",\"target\":$target}")
case "$status" in
  201) log "created the demo-aws environment" ;;
  409) log "the demo-aws environment exists (moto restarted? delete it and run this again to use the new ids)" ;;
  *) log "creating the demo-aws environment answered HTTP $status"; exit 1 ;;
esac

cat <<TEXT

Hangar is up with the AWS demo (moto on $HANGAR_AWS_ENDPOINT_URL; ids in $state/aws-demo.json).
Publish a new version to the demo Auto Scaling group and watch it:
  curl -s -X POST $api/v1/environments/demo-aws/deployments -H 'Authorization: Bearer dev-deployer-token' \\
       -H 'Content-Type: application/json' -d '{"version":"1.0.0","options":{"stopPreparationServer":true,"lockInstances":true}}'
  curl -s $api/v1/deployments/<id> -H 'Authorization: Bearer dev-viewer-token'
TEXT
