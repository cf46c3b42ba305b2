#!/usr/bin/env bash
# Install what the browser suite (tests/browser/) needs: Debian's Chromium and
# Playwright for Python, pinned, in the course's .venv. Playwright drives the
# system Chromium (/usr/bin/chromium); it never downloads a browser of its own.
# Run from anywhere, as root or with sudo; it runs `make setup` first if there is no .venv.
set -uo pipefail
cd "$(dirname "$0")/../.."

PLAYWRIGHT_PINS=(playwright==1.65.2 greenlet==3.5.6)
CHROMIUM=/usr/bin/chromium

die() { echo "tests/browser/install.sh: $*" >&2; exit 1; }

if [ ! -x "$CHROMIUM" ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "cannot install Chromium: not root and no sudo (need Debian's 'chromium' package at $CHROMIUM)"
        SUDO="sudo"
    fi
    command -v apt-get >/dev/null || die "cannot install Chromium: no apt-get on this machine (need Debian's 'chromium' package at $CHROMIUM)"
    echo "installing Debian's chromium (apt-get) ..."
    $SUDO apt-get update -qq || die "apt-get update failed: cannot install Chromium"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || die "apt-get install chromium failed: the browser suite cannot run"
fi
[ -x "$CHROMIUM" ] || die "Chromium is not at $CHROMIUM after installing the 'chromium' package"
"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 \
    || "$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM is installed but does not start"

if [ ! -x .venv/bin/python ]; then
    echo "no .venv yet: make setup ..."
    make setup || die "make setup failed: no .venv to install Playwright into"
fi
# every pin, not just playwright's: an older greenlet from elsewhere breaks its sync API
if ! .venv/bin/python - "${PLAYWRIGHT_PINS[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(name) != want for name, want in (pin.split("==") for pin in sys.argv[1:])))
PY
then
    echo "installing ${PLAYWRIGHT_PINS[*]} into .venv (pip) ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "${PLAYWRIGHT_PINS[@]}" \
        || die "pip install ${PLAYWRIGHT_PINS[*]} failed: the browser suite cannot run"
fi
echo "browser suite ready: $("$CHROMIUM" --version 2>/dev/null), playwright $(.venv/bin/python -c 'from importlib.metadata import version; print(version("playwright"))')"
