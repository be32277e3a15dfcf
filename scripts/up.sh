#!/usr/bin/env bash
# Set up and run the pipeline in one command: install ca3 into .venv/, then `ca3 up -m ${1:-1}`, which writes
# settings and secrets if missing, creates a local cluster (kind, k3d or minikube with Docker) when no cluster is
# reachable, builds and loads the app images, deploys milestone N and prints where Grafana is.
# Extra arguments go to `ca3 up`, e.g. `bash scripts/up.sh 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

# kubectl is needed whatever cluster is used: say so before minutes of installing, not after.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl was not found on PATH. Install it (https://kubernetes.io/docs/tasks/tools/) and run bash scripts/up.sh again." >&2
  exit 1
fi

milestone="${1:-1}"
if [ "$#" -gt 0 ]; then shift; fi
venv_python
echo "Installing ca3 into .venv/ ..."
# The video extra too: the seed's resilience-drill.mp4 is made by `ca3 chaos --record` (scripts/resilience-test.sh).
.venv/bin/python -m pip install --quiet '.[video]'
exec .venv/bin/ca3 up -m "$milestone" "$@"
