"""Tell whether a broker or a database answers: `python scripts/probe.py amqp URI [seconds]`.

Exit 0 when it answers within the time, 1 otherwise. Used by the shell scripts so
that nothing ever waits silently.
"""

from __future__ import annotations

import socket
import sys
import time
from urllib.parse import urlparse


def amqp_ok(uri: str) -> bool:
    from kombu import Connection

    try:
        with Connection(uri, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False


def postgres_ok(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"), connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def port_ok(uri: str) -> bool:
    parsed = urlparse(uri)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80), timeout=2).close()
        return True
    except OSError:
        return False


CHECKS = {"amqp": amqp_ok, "postgres": postgres_ok, "port": port_ok}


def main() -> int:
    kind, target = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    deadline = time.monotonic() + seconds
    while True:
        if CHECKS[kind](target):
            return 0
        if time.monotonic() >= deadline:
            return 1
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
