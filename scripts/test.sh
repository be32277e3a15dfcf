#!/usr/bin/env bash
# Install everything the test suite needs (Debian and pip packages), then run the whole suite.
# This is the one test command: the README names it and .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(prometheus victoria-metrics stunnel4 shellcheck)
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

python3 -m pip install --quiet -e '.[test]' -e ./apps/producer -e ./apps/processor
python3 -m pytest "$@"
