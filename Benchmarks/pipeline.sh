#!/usr/bin/env bash
# Builds release binaries and runs the pipeline benchmark (see Benchmarks/PipelineBench).
# Needs the broker running (deploy/rabbitmq/start.sh). `--quick` runs smaller batches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release >&2
HANGAR_BIN_DIR="$(swift build -c release --show-bin-path)" exec "$(swift build -c release --show-bin-path)/pipeline-bench" "$@"
