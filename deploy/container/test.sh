#!/usr/bin/env bash
# Validates the container setup offline (there is no container engine on the project's
# machines), with pinned PyPI tools in .hangar/container-venv (deploy/container/requirements.txt):
#
#   1. docker-compose.yml against the compose specification's JSON schema, vendored in
#      deploy/container/compose-spec.json (its origin: deploy/container/README.md);
#   2. deploy/container/Dockerfile with hadolint, failing on warnings and errors;
#   3. deploy/container/check_compose.py: what the schema cannot say (healthchecks, metrics,
#      Prometheus' targets, volumes for every state path, secrets, variables, image, .dockerignore).
#
# Each of 1 and 2 is also run on a copy broken on purpose, which must fail; 3 does the same
# with its --self-test. Seconds once the venv exists. Prints each check and, last,
# "container: N passed, N failed"; exits 1 when any failed.
#
#   deploy/container/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo="$(pwd)"
HANGAR_LOG_TAG=hangar-container
# shellcheck source-path=SCRIPTDIR source=../common.sh
source deploy/common.sh
started=$SECONDS

requirements="$repo/deploy/container/requirements.txt"
venv="${HANGAR_CONTAINER_VENV:-$repo/.hangar/container-venv}"
# The venv is (re)made when any pin of requirements.txt is not the installed version.
ensure_python_venv "$venv" "
import importlib.metadata as m, re, sys
pins = [line.split('#')[0].strip().split('==') for line in open('$requirements') if re.match(r'[A-Za-z]', line)]
sys.exit(any(m.version(name) != version for name, version in pins))
" -r "$requirements"

# The vendored schema as fetched (see deploy/container/README.md before changing it).
schema=deploy/container/compose-spec.json
schema_sha256=d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64

work="$(mktemp -d "${TMPDIR:-/tmp}/hangar-container.XXXXXX")"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
indent() { sed 's/^/     /'; }
result() { # result OK|FAIL description [output]
  if [[ $1 == ok ]]; then
    passed=$((passed + 1))
    echo "ok   $2"
  else
    failed=$((failed + 1))
    echo "FAIL $2"
    [[ -z "${3:-}" ]] || indent <<<"$3"
  fi
}

echo "== the compose specification's JSON schema ($schema)"
if echo "$schema_sha256  $schema" | sha256sum --check --status; then
  result ok "$schema is the vendored copy (sha256 ${schema_sha256:0:12}…)"
else
  result FAIL "$schema differs from the vendored copy (sha256 $schema_sha256)"
fi
if output="$("$venv/bin/check-jsonschema" --schemafile "$schema" docker-compose.yml 2>&1)"; then
  result ok "docker-compose.yml is valid against the compose specification"
else
  result FAIL "docker-compose.yml is valid against the compose specification" "$output"
fi
# A misspelt key in a copy must be refused: the schema is really applied.
sed '0,/^    healthcheck:/s//    helthcheck:/' docker-compose.yml >"$work/docker-compose.yml"
if cmp -s docker-compose.yml "$work/docker-compose.yml"; then
  result FAIL "a copy with a misspelt key (helthcheck) is refused" "could not break the copy: no healthcheck key found"
elif output="$("$venv/bin/check-jsonschema" --schemafile "$schema" "$work/docker-compose.yml" 2>&1)"; then
  result FAIL "a copy with a misspelt key (helthcheck) is refused" "$output"
else
  result ok "a copy with a misspelt key (helthcheck) is refused"
fi

echo "== hadolint $("$venv/bin/hadolint" --version | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -1) (deploy/container/Dockerfile)"
if output="$("$venv/bin/hadolint" --no-color --failure-threshold warning deploy/container/Dockerfile 2>&1)"; then
  result ok "deploy/container/Dockerfile has no hadolint warning or error${output:+ (notes below)}"
  [[ -z "$output" ]] || indent <<<"$output"
else
  result FAIL "deploy/container/Dockerfile has no hadolint warning or error" "$output"
fi
# An unpinned base image in a copy must be reported (DL3007: latest).
sed 's/^FROM debian:[^ ]*/FROM debian:latest/' deploy/container/Dockerfile >"$work/Dockerfile"
output="$("$venv/bin/hadolint" --no-color --failure-threshold warning "$work/Dockerfile" 2>&1)" && status=0 || status=$?
if [[ $status -ne 0 && "$output" == *DL3007* ]]; then
  result ok "a copy based on debian:latest is reported (DL3007)"
else
  result FAIL "a copy based on debian:latest is reported (DL3007)" "$output"
fi

echo "== project checks (deploy/container/check_compose.py)"
status=0
"$venv/bin/python" deploy/container/check_compose.py --self-test | tee "$work/checks.log" || status=$?
summary="$(tail -n 1 "$work/checks.log")"
if [[ "$summary" =~ ^container:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1]))
  failed=$((failed + BASH_REMATCH[2]))
  [[ $status -eq 0 || ${BASH_REMATCH[2]} -gt 0 ]] || failed=$((failed + 1))
else
  result FAIL "check_compose.py ran to its summary (exit $status)"
fi

echo "== $((SECONDS - started)) s"
echo "container: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
