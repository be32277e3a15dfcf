#!/usr/bin/env bash
# The one test command (docs/CONTRIBUTING.md names it, .ci/run calls it): install the real test servers (Debian packages),
# install ca3 (with its test and lint extras) and both apps into .venv/, run ruff and mypy, then run the whole suite
# there. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
source scripts/venv.sh

debian_packages=(prometheus victoria-metrics stunnel4 shellcheck chromium)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

venv_python
.venv/bin/python -m pip install --quiet -e '.[test,lint]' -e ./apps/producer -e ./apps/processor
# Lint and type-check with the project's own settings (pyproject.toml) before any test; either failing fails the run.
echo "ruff check ." >&2
.venv/bin/ruff check .
echo "mypy" >&2
.venv/bin/mypy
# On every core (pytest-xdist); `-n 0` among the arguments runs it in one process.
exec .venv/bin/python -m pytest -n auto "$@"
