#!/usr/bin/env bash
# Installs GuestCRM into .venv (idempotent). With --test also what the tests need:
# the test extras and Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium for the browser tests (Debian package)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet -e .
fi
# Front-end libraries from npm (package-lock.json), served locally from static/vendor: no CDN.
if [ "${1:-}" = "--test" ]; then
  npm ci --no-audit --no-fund --loglevel=error             # with oidc-provider for the tests
else
  npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
# The portal's translations (guestcrm/translations/*/messages.po), compiled for flask-babel.
.venv/bin/pybabel compile -d guestcrm/translations >/dev/null
