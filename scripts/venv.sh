# Sourced by up.sh and test.sh: make (or reuse) the virtualenv .venv/ in the repository root with a Python >= 3.11.
# Everything is installed there, never into the system Python, so what works here works in a user's fresh venv.
# shellcheck shell=bash

venv_python() {
  local python="${PYTHON:-python3}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "$python was not found. Install Python 3.11 or newer (https://www.python.org/downloads/)." >&2
    return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "ca3 needs Python 3.11 or newer; $python is $("$python" -V 2>&1). Set PYTHON=python3.12 (or newer)." >&2
    return 1
  fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv || {
      echo "Could not create .venv with $python -m venv. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2
      return 1
    }
  fi
}
