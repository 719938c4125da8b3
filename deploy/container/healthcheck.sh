#!/bin/sh
# hangar-healthcheck: the image's HEALTHCHECK. GET /health/ready of the Hangar service this
# container runs, on its metrics port: 200 once it is connected to the broker with its
# consumers subscribed and its store answers; 503 while it is not, or while it drains.
#
# The port is HANGAR_METRICS_PORT, else the service's default, told by the command PID 1 runs
# (directly or through docker-init). The host is HANGAR_METRICS_HOST unless that is a wildcard.
set -eu

port="${HANGAR_METRICS_PORT:-}"
if [ -z "$port" ]; then
  case "$(tr '\0' ' ' </proc/1/cmdline)" in
    *hangar-intake*) port=9100 ;;
    *hangar-scheduler*) port=9101 ;;
    *hangar-recorder*) port=9102 ;;
    *hangar-notifier*) port=9103 ;;
    *hangar-worker*) port=9104 ;;
    *)
      echo "hangar-healthcheck: PID 1 is no Hangar service; set HANGAR_METRICS_PORT" >&2
      exit 1
      ;;
  esac
fi
if [ "$port" = off ]; then
  echo "hangar-healthcheck: HANGAR_METRICS_PORT=off: no health endpoint to probe" >&2
  exit 1
fi

host="${HANGAR_METRICS_HOST:-127.0.0.1}"
case "$host" in
  0.0.0.0 | "" ) host=127.0.0.1 ;;
  :: | "[::]") host="[::1]" ;;
  \[*) ;;
  *:*) host="[$host]" ;;
esac

exec curl -fsS -o /dev/null --max-time 4 "http://$host:$port/health/ready"
