#!/usr/bin/env bash
# Runs moto's server mode (PyPI `moto[server]`, a local emulator of the AWS APIs) on loopback,
# from the virtualenv .hangar/moto-venv (made on first use; override with HANGAR_MOTO_VENV).
# The AWS provider's tests start one per test suite through this script; deploy/aws-demo.sh
# starts one for the demo environment.
#
#   deploy/moto/start.sh --install          # only make sure the venv exists
#   deploy/moto/start.sh --port 5000        # run moto_server on 127.0.0.1:5000
#
# The second form runs the server in the foreground (exec: the pid is the server's); stop it
# with SIGTERM. moto keeps everything in memory; POST /moto-api/reset empties it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
HANGAR_LOG_TAG=hangar-moto
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

venv="${HANGAR_MOTO_VENV:-$root/.hangar/moto-venv}"
moto_version="5.2.1"

ensure_python_venv "$venv" "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" "moto[server]==$moto_version"
if [[ "${1:-}" == "--install" ]]; then
  exit 0
fi
port=5000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    *) die "unknown argument $1 (use --install or --port N)" ;;
  esac
done
exec "$venv/bin/moto_server" -H 127.0.0.1 -p "$port"
