# Sourced by deploy.sh, validate.sh and destroy.sh: run ca3 from the repository root, installed or not.
# shellcheck shell=bash

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# Run `ca3 ARGS...`: the installed command when there is one, else the package in this checkout.
ca3_exec() {
  if command -v ca3 >/dev/null 2>&1; then
    exec ca3 "$@"
  fi
  if ! python3 -c 'import typer, rich, jinja2, yaml' 2>/dev/null; then
    echo "ca3 is not installed. Install it with: python3 -m pip install -e ." >&2
    exit 1
  fi
  exec python3 -m ca3cli "$@"
}
