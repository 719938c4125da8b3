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

# Makes sure the virtualenv $1 exists and that `python -c "$2"` succeeds in it; otherwise
# (re)creates it with the pip requirements that follow. Concurrent callers (tests starting
# servers at once) wait on a lock, and one of them builds it.
#
#   ensure_python_venv "$venv" 'import aiosmtpd' aiosmtpd
ensure_python_venv() {
  local venv="$1" check="$2"
  shift 2
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then return 0; fi
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  flock 9
  if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then return 0; fi
  command -v python3 >/dev/null 2>&1 || die "python3 is missing (deploy/setup.sh installs it)"
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    log "installing python3-venv"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null ||
      { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null; } ||
      die "cannot install python3-venv"
  fi
  log "creating $venv with $*"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$@"
}
