#!/usr/bin/env bash
# Checks the API responses the end-to-end tests recorded (HANGAR_TEST_RESPONSE_LOG, one JSON
# object per line) against Shared/Intake/openapi.yaml with openapi-core (PyPI, pinned, in
# .hangar/api-venv): status, content type and body schema of every response.
#
#   deploy/api/validate-responses.sh RESPONSES.jsonl
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
HANGAR_LOG_TAG=hangar-api
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh
[[ $# -eq 1 && -f "$1" ]] || die "usage: deploy/api/validate-responses.sh RESPONSES.jsonl"
venv="${HANGAR_API_VENV:-$(pwd)/.hangar/api-venv}"
ensure_python_venv "$venv" "import importlib.metadata as m, sys; sys.exit(m.version('openapi-core') != '0.23.1')" \
  "openapi-core==0.23.1"
# First, that it can fail: a deployment whose id is a number, and an undocumented 200.
bad="$(mktemp -t hangar-bad-responses.XXXXXX)"
trap 'rm -f "$bad"' EXIT
cat >"$bad" <<'JSON'
{"method":"GET","path":"/v1/deployments/0190a3c4-0000-7000-8000-000000000000","query":"","status":200,"contentType":"application/json","body":"{\"id\":5}"}
{"method":"GET","path":"/v1/nowhere","query":"","status":200,"contentType":"application/json","body":"{}"}
JSON
if "$venv/bin/python" deploy/api/validate-responses.py Shared/Intake/openapi.yaml "$bad" >/dev/null 2>&1; then
  die "the response check passed responses that do not match the document: it checks nothing"
fi
log "checking $(wc -l <"$1") recorded responses against Shared/Intake/openapi.yaml"
"$venv/bin/python" deploy/api/validate-responses.py Shared/Intake/openapi.yaml "$1"
