#!/usr/bin/env bash
# Exit 0 (and print where it is) when Hangar's project-local PostgreSQL is
# running and accepting connections; exit 3 otherwise.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [[ -x "$HANGAR_POSTGRES_BIN/pg_ctl" ]] && hangar_postgres_running && hangar_postgres_answering; then
  echo "PostgreSQL is running: $HANGAR_POSTGRES_URL (data dir $HANGAR_POSTGRES_DATA_DIR)"
  exit 0
fi
echo "PostgreSQL is not running (data dir $HANGAR_POSTGRES_DATA_DIR)"
exit 3
