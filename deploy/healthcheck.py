"""Health check for the nameko service containers: is this process connected to the broker?

A running nameko service keeps one long-lived AMQP connection for its consumers. This
reads the container's own TCP table (/proc/net/tcp and tcp6, which belong to the
container's network namespace) for an ESTABLISHED connection to the broker's port: no
credentials, no extra packages, no broker round trip. Exit status 0 when connected.

Used by compose's `healthcheck` and the Kubernetes readinessProbe of the four services.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

DEFAULT_AMQP_URI = "amqp://guest:guest@rabbitmq:5672/"  # as in deploy/nameko.yaml
TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
ESTABLISHED = "01"


def broker_port(uri: str) -> int:
    parts = urlsplit(uri)
    if parts.port:
        return parts.port
    return 5671 if parts.scheme == "amqps" else 5672


def established_remote_ports(tables: tuple[str, ...] = TCP_TABLES) -> set[int]:
    ports = set()
    for table in tables:
        try:
            with open(table) as lines:
                next(lines, None)  # header
                for line in lines:
                    fields = line.split()
                    # sl local_address rem_address st ...; addresses are HEXIP:HEXPORT
                    if len(fields) > 3 and fields[3] == ESTABLISHED:
                        ports.add(int(fields[2].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            continue
    return ports


def main() -> int:
    port = broker_port(os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI)
    if port in established_remote_ports():
        return 0
    print(f"unhealthy: no established connection to the broker port {port}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
