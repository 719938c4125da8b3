#!/usr/bin/env bash
# Measures the Swift AMQP client against the same pattern in plain C on rabbitmq-c, in one
# run on the same broker: publish+confirm (sliding window) and consume+ack (one ack per
# message) of persistent messages on a quorum queue. Rounds alternate C and Swift; the
# medians and the Swift/C ratios are printed at the end.
#
#   Benchmarks/amqp.sh [rounds=5] [messages=50000]
#
# Needs the broker running (deploy/rabbitmq/start.sh). Builds release binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-5}"
messages="${2:-50000}"
url="${HANGAR_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
host_port="${url#*@}"; host_port="${host_port%%/*}"
host="${host_port%%:*}"; port="${host_port##*:}"

echo "== building (release)" >&2
Benchmarks/CReference/build.sh .build-bench/amqp_reference >&2
swift build -c release --product amqp-bench >&2
swift_bench="$(swift build -c release --show-bin-path)/amqp-bench"

common=(--messages "$messages" --size 1024 --window 1000 --prefetch 1000)
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds" >&2
  .build-bench/amqp_reference --host "$host" --port "$port" "${common[@]}" | tee -a "$results"
  sleep 2
  HANGAR_AMQP_URL="$url" "$swift_bench" "${common[@]}" | tee -a "$results"
  sleep 2
done

python3 - "$results" <<'PY'
import re, statistics, sys
rows = {"c-reference": [], "swift": []}
for line in open(sys.argv[1]):
    kind = line.split()[0]
    values = dict(re.findall(r"(\w+)=(\d+)", line))
    rows[kind].append((int(values["publish_confirm_msgs_per_s"]), int(values["consume_ack_msgs_per_s"])))
med = {k: (statistics.median(p for p, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
print(f"median of {len(rows['swift'])} rounds, msg/s     publish+confirm   consume+ack")
for kind in ("c-reference", "swift"):
    print(f"  {kind:<27}{med[kind][0]:>15,.0f}{med[kind][1]:>14,.0f}")
print(f"  {'swift / c-reference':<27}{med['swift'][0] / med['c-reference'][0]:>15.0%}{med['swift'][1] / med['c-reference'][1]:>14.0%}")
PY
