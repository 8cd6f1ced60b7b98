#!/usr/bin/env bash
# Installs and starts GuestCRM on the embedded default: SQLite file, in-process jobs, demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export FLASK_APP=wsgi
unset DATABASE_URL REDIS_URL
PORT="${PORT:-5000}"
.venv/bin/flask db upgrade
.venv/bin/flask demo
echo
echo "GuestCRM is running at http://127.0.0.1:${PORT}/  (Ctrl-C stops it)"
exec .venv/bin/gunicorn --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --access-logfile - wsgi:app
