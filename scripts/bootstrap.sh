#!/usr/bin/env bash
# Everything `make run` and `make test` need before they start: a Python 3.13 virtualenv with the
# locked packages, then PostgreSQL, Redis and the database (scripts/services.py).
set -euo pipefail
cd "$(dirname "$0")/.."

lock=requirements-dev.lock
stamp=.venv/.installed-$(sha256sum "$lock" | cut -c1-16)
if [ ! -x .venv/bin/python ]; then
  py=$(scripts/python313.sh)
  echo "==> Creating .venv with $py"
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "==> Installing packages from $lock"
  # --no-deps: the lock lists every package, so nothing unlisted sneaks in; pip checks each
  # file against the lock's hashes.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r "$lock" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The discharge letter's PDF (WeasyPrint) draws its text with Pango, in the DejaVu fonts.
scripts/ensure_package.sh libpangoft2-1.0.so.0 "libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" \
  "discharge letters (PDF)" bootstrap
scripts/ensure_package.sh /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core \
  "discharge letters (PDF)" bootstrap
[ -f .env ] || echo "==> No .env file: using the built-in defaults (see .env.example)"
.venv/bin/python scripts/services.py
