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
