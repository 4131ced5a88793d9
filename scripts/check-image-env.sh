#!/usr/bin/env bash
# Validates the Dockerfile's Python environment without a container engine (`make image-env`):
# a fresh venv from the runtime lock alone (requirements.lock, as the image's build stage), the
# app installed as the image installs it, then Django's checks and an import of every command
# the containers run. Fails if the app needs anything only the dev lock has. Needs the registry;
# takes a few minutes, so it is not part of `make test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${DESIST_IMAGE_VENV:-/tmp/desist-image-env}"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -r requirements.lock
"$VENV/bin/pip" install -q --no-deps -e .
! "$VENV/bin/python" -c "import pytest" 2>/dev/null || { echo "pytest is in the runtime environment" >&2; exit 1; }
export DESIST_ENV=production DESIST_SECRET_KEY=image-env-check DESIST_ALLOWED_HOSTS=localhost \
  DATABASE_URL="sqlite:///$VENV/check.sqlite3"
"$VENV/bin/desist" check
for cmd in serve worker scheduler backup restore migrate collectstatic; do
  "$VENV/bin/desist" help "$cmd" >/dev/null
done
"$VENV/bin/python" -c "import gunicorn, whitenoise, psycopg, cryptography, config.wsgi"
echo "image environment OK: $("$VENV/bin/pip" freeze --exclude-editable | wc -l) packages from requirements.lock"
