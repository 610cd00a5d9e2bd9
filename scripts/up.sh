#!/usr/bin/env bash
# `make up`: the whole platform on its embedded default (SQLite under var/), demo data
# included, in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMQP_URI=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
export GOV_ENV=${GOV_ENV:-demo}
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
export WEB_SERVER_ADDRESS=${WEB_SERVER_ADDRESS:-$HOST:$PORT}
export PYTHONPATH=$PWD PYTHONWARNINGS=ignore

scripts/venv.sh requirements.txt
PY=.venv/bin/python scripts/ensure_broker.sh
.venv/bin/python -m common.migrations
.venv/bin/python scripts/seed_demo.py

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
