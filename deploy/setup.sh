#!/usr/bin/env bash
# Installs what building and testing Hangar needs from Debian, when missing: the C libraries
# rabbitmq-c (librabbitmq-dev) and libcurl with OpenSSL (libcurl4-openssl-dev, for the
# notifier's SMTP), pkg-config, curl, and python3 with venv (the test SMTP server).
# Idempotent: installs nothing when all are present. deploy/up.sh and deploy/test.sh run it.
set -euo pipefail
HANGAR_LOG_TAG=hangar-setup
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for package in librabbitmq-dev libcurl4-openssl-dev pkg-config curl; do
  installed "$package" || missing+=("$package")
done
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1 && ! installed python3-venv; then
  missing+=(python3-venv)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
log "installing ${missing[*]}"
as_root apt-get update -q >/dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
  die "apt-get failed installing ${missing[*]}"
