"""Demo data that lives in other services than grids, loaded through their own RPC once
the platform answers (`make up` runs this in the background). Every step is idempotent,
so it runs on every start and changes nothing the second time."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

import requests
from nameko.standalone.rpc import ClusterRpcProxy

from common.config import amqp_uri, is_production, nameko_config


def this_month() -> str:
    """The month in China Standard Time, as the services count months."""
    return (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m")


# (service, method, args): in order; each must be idempotent
STEPS = [
    ("tasks", "catalogue_seed_default", ()),
    ("tasks", "template_seed_default", ()),
    ("tasks", "fieldwork_sync_links", ()),
    ("tasks", "visit_generate_lists", (this_month(),)),
]


def wait_ready(base_url: str, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/readyz", timeout=3).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(1)
    return False


def main(base_url: str) -> int:
    if is_production():
        return 0
    if not wait_ready(base_url):
        print("demo: the platform did not become ready; demo task data not loaded", file=sys.stderr)
        return 1
    with ClusterRpcProxy(nameko_config(AMQP_URI=amqp_uri()), timeout=120) as rpc:
        for service, method, args in STEPS:
            result = getattr(getattr(rpc, service), method)(*args)
            print(f"demo: {service}.{method} → {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
