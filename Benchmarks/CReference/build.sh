#!/usr/bin/env bash
# Build the rabbitmq-c reference benchmark.
#   Benchmarks/CReference/build.sh [OUTPUT]   (default: <repo>/.build-bench/amqp_reference)
# Needs gcc, pkg-config and librabbitmq-dev (0.11; deploy/rabbitmq/start.sh installs them).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.build-bench/amqp_reference}"

command -v pkg-config >/dev/null 2>&1 || { echo "build.sh: pkg-config not found (apt-get install pkg-config)" >&2; exit 1; }
pkg-config --exists librabbitmq || { echo "build.sh: librabbitmq not found by pkg-config (apt-get install librabbitmq-dev)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
# pkg-config output must be word-split into separate flags.
# shellcheck disable=SC2046
gcc -O2 -std=c11 -Wall -Wextra -o "$out" "$here/amqp_reference.c" \
  $(pkg-config --cflags --libs librabbitmq)
echo "built $out (librabbitmq $(pkg-config --modversion librabbitmq))" >&2
