#!/usr/bin/env bash
# The seed's ./scripts/destroy.sh: `ca3 destroy` (asks first; pass --yes, and --delete-data to drop the volumes).
set -euo pipefail
# shellcheck source=scripts/_ca3.sh
source "$(dirname "$0")/_ca3.sh"
ca3_exec destroy "$@"
