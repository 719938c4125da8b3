#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis (PyPI, pinned, in .hangar/fuzz-venv) against its own
# OpenAPI document on a Hangar of its own (built services in a fresh vhost, data folder and
# port, through deploy/services.sh): every operation, every check, with an admin token. The
# rules a JSON Schema cannot express are in deploy/fuzz/schemathesis.toml, each with its reason.
#
#   deploy/fuzz/test.sh [--max-examples N] [--seed N]
#
# 60 examples (the default) make about 1,500 generated requests; --seed repeats a run whose
# seed schemathesis printed.
#
# Prints schemathesis' summary and, last, "N passed, N failed" (operations). Needs the broker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo="$(pwd)"
HANGAR_LOG_TAG=hangar-fuzz
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh
examples=60
seed=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --max-examples) examples="$2"; shift 2 ;;
    --seed) seed=(--seed "$2"); shift 2 ;;
    *) die "unknown option $1 (takes --max-examples N and --seed N)" ;;
  esac
done
venv="${HANGAR_FUZZ_VENV:-$repo/.hangar/fuzz-venv}"
ensure_python_venv "$venv" "import schemathesis, sys; sys.exit(schemathesis.__version__ != '4.32.5')" "schemathesis==4.32.5"

management="${HANGAR_TEST_MANAGEMENT_URL:-http://127.0.0.1:15672}"
vhost="hangar-fuzz-$(date +%s)-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/hangar-fuzz.XXXXXX")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
curl -fsS -u guest:guest -X PUT "$management/api/vhosts/$vhost" >/dev/null || die "cannot create vhost $vhost (is the broker running?)"
curl -fsS -u guest:guest -X PUT -H 'Content-Type: application/json' \
  -d '{"configure":".*","write":".*","read":".*"}' "$management/api/permissions/$vhost/guest" >/dev/null
export HANGAR_STATE_DIR="$work" HANGAR_DATA_DIR="$work/data" HANGAR_HTTP_PORT="$port" HANGAR_WORKERS=1
export HANGAR_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/$vhost"
export HANGAR_TOKENS="admin:admin:fuzz-admin-token"
# No metrics ports: another Hangar may hold the defaults.
export HANGAR_METRICS_PORT=off
cleanup() {
  deploy/services.sh stop >/dev/null 2>&1 || true
  curl -fsS -u guest:guest -X DELETE "$management/api/vhosts/$vhost" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
deploy/services.sh start >/dev/null

status=0
# Every check runs (schemathesis' default); no --checks on the command line, which would enable
# them all again over the per-operation exceptions of schemathesis.toml.
(cd "$work" && "$venv/bin/schemathesis" --config-file "$repo/deploy/fuzz/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
  -H "Authorization: Bearer fuzz-admin-token" --max-examples "$examples" "${seed[@]}" --workers 1 --no-color) \
  >"$work/fuzz.log" 2>&1 || status=$?
# The whole log outlives the run's folder, for a failure's tracebacks.
mkdir -p "$repo/.hangar/fuzz"
cp "$work/fuzz.log" "$repo/.hangar/fuzz/last.log"
sed -n '/SUMMARY/,$p' "$work/fuzz.log"
operations="$(grep -Eo 'Tested: [0-9]+' "$work/fuzz.log" | grep -Eo '[0-9]+' || echo 0)"
if [[ $status -eq 0 ]]; then
  echo "API fuzzing: $operations operations without a failure"
  echo "$operations passed, 0 failed"
else
  # Failures (a check did not hold) and errors (a request could not be made or answered).
  sed -n '/FAILURES/,/SUMMARY/p' "$work/fuzz.log" | head -n 120
  sed -n '/ERRORS/,/SUMMARY/p' "$work/fuzz.log" | cut -c1-300 | head -n 120
  echo "(the whole log: .hangar/fuzz/last.log)"
  failures="$(grep -Eo '[0-9]+ unique failure' "$work/fuzz.log" | grep -Eo '[0-9]+' | head -n 1 || echo 1)"
  echo "0 passed, ${failures:-1} failed"
  exit 1
fi
