#!/usr/bin/env bash
# `make test`: the whole suite against the real parts on this machine — PostgreSQL,
# RabbitMQ (with its management API, for a vhost per test module) and SQLite.
# Starts what is installed but stopped; says what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONWARNINGS=ignore::DeprecationWarning
export TEST_PG_URL=${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
export AMQP_URI=${TEST_AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
PY=.venv/bin/python

scripts/venv.sh requirements-dev.txt

if ! $PY scripts/probe.py postgres "$TEST_PG_URL" 0; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: starting PostgreSQL…"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
  fi
  $PY scripts/probe.py postgres "$TEST_PG_URL" 30 || {
    echo "test: no PostgreSQL at $TEST_PG_URL (install postgresql, or set TEST_PG_URL)" >&2; exit 1; }
fi

PY=$PY scripts/ensure_broker.sh
if ! $PY scripts/probe.py port "http://127.0.0.1:15672" 0; then
  echo "test: enabling the RabbitMQ management plugin (the tests make a vhost per module)…"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  $PY scripts/probe.py port "http://127.0.0.1:15672" 60 || { echo "test: management API did not come up" >&2; exit 1; }
fi

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    echo "test: installing docker-compose (validates deploy/compose.yaml without an engine)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  else
    echo "test: deploy tests need docker-compose: sudo apt-get install -y docker-compose" >&2
  fi
fi

# The console's build test needs Node.js and npm.
if ! command -v npm >/dev/null 2>&1; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    echo "test: installing Node.js and npm (console build test)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "test: the console test needs Node.js 20+: install it from your distribution or nodejs.org" >&2
  fi
fi

# The console's browser test drives Debian's Chromium (with CJK fonts for legible screenshots).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
    echo "test: installing chromium and CJK fonts (console browser test)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "test: the console test needs Chromium: sudo apt-get install -y chromium fonts-noto-cjk" >&2
  fi
fi

exec $PY -m pytest "$@"
