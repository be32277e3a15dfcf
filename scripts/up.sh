#!/usr/bin/env bash
# Set up and run the main job in one command: install ca3, write settings and secrets (kept if they exist),
# then deploy milestone ${1:-1} to the current kube context. Without a cluster, ca3 says so; then try
#   bash scripts/up.sh 5 --dry-run
# to see the full plan offline. Extra arguments go to `ca3 deploy`.
set -euo pipefail
cd "$(dirname "$0")/.."

milestone="${1:-1}"
if [ "$#" -gt 0 ]; then shift; fi
python3 -m pip install --quiet -e .
python3 -m ca3cli init
python3 -m ca3cli deploy -m "$milestone" "$@"
