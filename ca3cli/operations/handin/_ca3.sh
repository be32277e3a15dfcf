# Sourced by the seed's scripts (deploy.sh, validate.sh, destroy.sh, ...): run ca3 from the repository root.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# Run `ca3 ARGS...`: the ca3 on PATH when there is one, else the one scripts/up.sh installed into .venv/.
ca3_exec() {
  if command -v ca3 >/dev/null 2>&1; then
    exec ca3 "$@"
  fi
  if [ -x .venv/bin/ca3 ]; then
    exec .venv/bin/ca3 "$@"
  fi
  echo "ca3 is not installed. Run: bash scripts/up.sh (it installs ca3 into .venv/ and deploys)" >&2
  exit 1
}
