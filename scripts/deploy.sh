#!/usr/bin/env bash
# The seed's ./scripts/deploy.sh: `ca3 deploy` (milestone 1 unless options are given, e.g. -m 5 or --dry-run).
set -euo pipefail
# shellcheck source=scripts/_ca3.sh
source "$(dirname "$0")/_ca3.sh"
[ "$#" -gt 0 ] || set -- -m 1
ca3_exec deploy "$@"
