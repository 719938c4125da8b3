#!/usr/bin/env bash
# Runs deploy/otlp/receiver.py, a loopback OTLP/HTTP trace receiver that decodes what it gets
# with the official opentelemetry-proto package (PyPI, pinned) and writes each span as a JSON
# line, from the virtualenv .hangar/otlp-venv (made on first use; override with
# HANGAR_OTLP_VENV). The tracing end-to-end test and pipeline-bench start one through this script.
#
#   deploy/otlp/start.sh --install                        # only make sure the venv exists
#   deploy/otlp/start.sh --port 4318 --out /tmp/spans.jsonl [--ready FILE] [--counts-only]
#
# The second form runs the receiver in the foreground (exec: the pid is the receiver's);
# stop it with SIGTERM. See receiver.py for what it writes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
HANGAR_LOG_TAG=hangar-otlp
# shellcheck source-path=SCRIPTDIR source=../common.sh
source "$here/../common.sh"

venv="${HANGAR_OTLP_VENV:-$root/.hangar/otlp-venv}"

ensure_python_venv "$venv" 'import opentelemetry.proto.collector.trace.v1.trace_service_pb2' 'opentelemetry-proto==1.45.2'
if [[ "${1:-}" == "--install" ]]; then
  exit 0
fi
exec "$venv/bin/python" -u "$here/receiver.py" "$@"
