#!/usr/bin/env bash
# Runs deploy/smtp/sink.py, a loopback SMTP server on aiosmtpd (PyPI) that writes what it
# receives to a folder, from the virtualenv .hangar/smtp-venv (made on first use; override
# with HANGAR_SMTP_VENV). The notifier's tests start one per test through this script.
#
#   deploy/smtp/start.sh --install                      # only make sure the venv exists
#   deploy/smtp/start.sh --port 2525 --dir /tmp/mail [--starttls] [--auth user:password]
#
# The second form runs the server in the foreground (exec: the pid is the server's);
# stop it with SIGTERM. See sink.py for what it writes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
HANGAR_LOG_TAG=hangar-smtp
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

venv="${HANGAR_SMTP_VENV:-$root/.hangar/smtp-venv}"

ensure_venv() {
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  mkdir -p "$(dirname "$venv")"
  # Several tests may start servers at once: one of them builds the venv.
  exec 9>"$venv.lock"
  flock 9
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is missing (deploy/setup.sh installs it)"
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null ||
      { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null; } ||
      die "cannot install python3-venv"
  fi
  log "creating $venv with aiosmtpd"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check aiosmtpd
}

ensure_venv
if [[ "${1:-}" == "--install" ]]; then
  exit 0
fi
exec "$venv/bin/python" -u "$here/sink.py" "$@"
