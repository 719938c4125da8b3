# shellcheck shell=bash
# Helpers shared by the deploy scripts. Set HANGAR_LOG_TAG before sourcing.

log() { printf '[%s] %s\n' "${HANGAR_LOG_TAG:-hangar}" "$*" >&2; }

die() {
  log "ERROR: $*"
  exit 1
}

# Runs a command as root: directly when root, through sudo otherwise.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian packages without letting their postinst start system-wide services
# (a temporary policy-rc.d): a distribution RabbitMQ or PostgreSQL would take our ports.
apt_install_without_starting_services() {
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  local rc=0
  as_root apt-get update -q || rc=$?
  if [[ $rc -eq 0 ]]; then
    as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "$@" || rc=$?
  fi
  if [[ $added_policy -eq 1 ]]; then
    as_root rm -f "$policy"
  fi
  [[ $rc -eq 0 ]] || die "apt-get failed (exit $rc) installing: $*"
}
