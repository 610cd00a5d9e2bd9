#!/usr/bin/env bash
# `make up`: the whole platform on its embedded default (SQLite under var/), demo data
# included, in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMQP_URI=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
export GOV_ENV=${GOV_ENV:-demo}
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
export WEB_SERVER_ADDRESS=${WEB_SERVER_ADDRESS:-$HOST:$PORT}
# where a household's phone opens the rating link the SMS carries
export GOV_PUBLIC_URL=${GOV_PUBLIC_URL:-http://$HOST:$PORT}
export PYTHONPATH=$PWD PYTHONWARNINGS=ignore

scripts/venv.sh requirements.txt
PY=.venv/bin/python scripts/ensure_broker.sh
.venv/bin/python -m common.migrations
.venv/bin/python scripts/seed_demo.py

# The reference web console (console/, served at /console/): built when Node.js is there and
# console/dist is missing or older than its sources. The API never depends on it.
if command -v npm >/dev/null 2>&1; then
  if [ ! -f console/dist/index.html ] || [ -n "$(find console/src console/index.html console/package.json \
    console/package-lock.json console/vite.config.js -newer console/dist/index.html 2>/dev/null | head -n 1)" ]; then
    echo "console: building the web console into console/dist (log: ${GOV_VAR_DIR:-var}/console-build.log) ..."
    mkdir -p "${GOV_VAR_DIR:-var}"
    if (cd console && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } &&
      npm run build) >"${GOV_VAR_DIR:-var}/console-build.log" 2>&1; then
      echo "console: built"
    else
      echo "console: build failed, continuing without it: $(tail -n 3 "${GOV_VAR_DIR:-var}/console-build.log" | tr '\n' ' ')"
    fi
  fi
else
  echo "console: npm not found; install Node.js 20.19+ (https://nodejs.org/) for the web console at /console/ — the API works without it"
fi

cat <<MSG

  基层治理开放平台 — starting grids, tasks, scoring, notify and the gateway
  API:       http://$WEB_SERVER_ADDRESS/api/v1
  API docs:  http://$WEB_SERVER_ADDRESS/docs   (OpenAPI: /openapi.json)
  Health:    http://$WEB_SERVER_ADDRESS/healthz   Ready: /readyz
  Demo accounts (password Demo@2026): admin, township, township2, dept, secretary,
    cadre, gridworker, member, team, resident — see README.md
  Ctrl-C stops everything.

MSG
# demo data of the other services, through their RPC once they answer (idempotent)
.venv/bin/python scripts/demo_after_start.py "http://$WEB_SERVER_ADDRESS" &
exec .venv/bin/honcho start -f Procfile
