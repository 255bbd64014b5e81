# Shared by bin/demo and bin/test: a virtualenv with the locked dependencies, Debian packages
# when missing, compiled translations and collected static files. Safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=""
apt_install() {
  # apt_install COMMAND-OR-FILE PACKAGE...: install the packages when the first is missing.
  local probe="$1"; shift
  if command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; then return 0; fi
  echo "Installing Debian packages: $*"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install /usr/lib/python3/dist-packages/ensurepip python3-venv
      "$PYTHON" -m venv "$VENV"
    fi
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[dev]"
}

setup_app() {
  apt_install msgfmt gettext
  # Build steps that read no secret: run with the demo's settings (DEBUG on, no key needed), as
  # the test suite (tests/settings.py) and the demo use them.
  OXYGEN_DEMO=True DEBUG=True "$VENV/bin/python" manage.py compilemessages -v0 --ignore=.venv
  OXYGEN_DEMO=True DEBUG=True "$VENV/bin/python" manage.py collectstatic --noinput -v0
}
