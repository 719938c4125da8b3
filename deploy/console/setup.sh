#!/usr/bin/env bash
# Installs what the console's browser tests need, when missing: Debian's chromium and
# chromium-driver (apt), and Selenium from PyPI in the virtualenv .hangar/console-venv
# (override with HANGAR_CONSOLE_VENV). Idempotent. deploy/console/test.sh runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
HANGAR_LOG_TAG=hangar-console
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

venv="${HANGAR_CONSOLE_VENV:-$root/.hangar/console-venv}"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for package in chromium chromium-driver python3-venv curl; do
  installed "$package" || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  as_root apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get failed installing ${missing[*]}"
fi

ensure_python_venv "$venv" 'import selenium' selenium
