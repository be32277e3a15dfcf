# Sourced by the seed's scripts (deploy.sh, validate.sh, destroy.sh, ...): run ca3 from the repository root.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# Run `ca3 ARGS...`: the ca3 on PATH when there is one, else the one installed into .venv/ (scripts/up.sh
# in the ca3 repository does that); a submission without up.sh says how to install it instead.
ca3_exec() {
  if command -v ca3 >/dev/null 2>&1; then
    exec ca3 "$@"
  fi
  if [ -x .venv/bin/ca3 ]; then
    exec .venv/bin/ca3 "$@"
  fi
  if [ -f scripts/up.sh ]; then
    echo "ca3 is not installed. Run: bash scripts/up.sh (it installs ca3 into .venv/ and deploys)" >&2
  else
    echo "ca3 is not installed. Install it from a checkout of ca3: python -m pip install /path/to/ca3" >&2
  fi
  exit 1
}
