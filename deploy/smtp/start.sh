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

ensure_python_venv "$venv" 'import aiosmtpd' aiosmtpd
if [[ "${1:-}" == "--install" ]]; then
  exit 0
fi
exec "$venv/bin/python" -u "$here/sink.py" "$@"
