#!/usr/bin/env bash
# Create .venv and install the pinned requirements; skip when nothing changed.
# Usage: scripts/venv.sh requirements.txt|requirements-dev.txt
set -euo pipefail
REQ=${1:-requirements.txt}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
  echo "Python 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || { echo "venv: creating .venv"; "$PYTHON" -m venv .venv; }
stamp=.venv/.installed-$(basename "$REQ" .txt)
hash=$(cat requirements*.txt | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
  echo "venv: installing $REQ (pinned)…"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$REQ" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import nameko, sqlalchemy, marshmallow" || { echo "venv: install failed" >&2; exit 1; }
  echo "$hash" > "$stamp"
fi
