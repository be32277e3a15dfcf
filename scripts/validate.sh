#!/usr/bin/env bash
# The seed's ./scripts/validate.sh: `ca3 validate` (every deployed milestone unless options are given, e.g. -m 5).
set -euo pipefail
# shellcheck source=scripts/_ca3.sh
source "$(dirname "$0")/_ca3.sh"
ca3_exec validate "$@"
