#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers at $AMQP_URI: use one that is there, else start
# a local rabbitmq-server, else a Docker engine's compose service, else (Debian/Ubuntu
# as root) install it with apt. Says what it does; never waits silently.
set -euo pipefail
AMQP_URI=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
PY=${PY:-.venv/bin/python}
probe() { "$PY" scripts/probe.py amqp "$AMQP_URI" "${1:-0}"; }

if probe 0; then echo "broker: RabbitMQ answers at ${AMQP_URI%%@*}@…"; exit 0; fi

case "$AMQP_URI" in
  *@127.0.0.1*|*@localhost*) ;;
  *) echo "broker: nothing answers at $AMQP_URI, and it is not on this machine: start it there, or unset AMQP_URI." >&2; exit 1 ;;
esac

start_local() {
  echo "broker: starting the local rabbitmq-server…"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  if probe 60; then echo "broker: rabbitmq-server started"; return 0; fi
  echo "broker: rabbitmq-server did not answer within 60 s (see /var/log/rabbitmq/)" >&2
  return 1
}

if command -v rabbitmq-server >/dev/null 2>&1; then start_local; exit $?; fi

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "broker: starting RabbitMQ with Docker (deploy/compose.yaml, service rabbitmq)…"
  if docker compose version >/dev/null 2>&1; then docker compose -f deploy/compose.yaml up -d rabbitmq
  else docker-compose -f deploy/compose.yaml up -d rabbitmq; fi
  if probe 90; then echo "broker: RabbitMQ container answers"; exit 0; fi
  echo "broker: the RabbitMQ container did not answer within 90 s" >&2; exit 1
fi

if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "broker: no RabbitMQ found; installing rabbitmq-server with apt (Debian/Ubuntu, as root)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  start_local; exit $?
fi

cat >&2 <<MSG
broker: no RabbitMQ answers at $AMQP_URI and none could be started here.
Install it with one command, then run 'make up' again:
    sudo apt-get install -y rabbitmq-server      (Debian/Ubuntu)
    brew install rabbitmq && brew services start rabbitmq   (macOS)
or point AMQP_URI at a broker you have.
MSG
exit 1
