"""P1: the gateway's hottest reads against a bare path through the same gateway.

The platform runs as its five processes on PostgreSQL with the demo county. For 1, 4 and
16 concurrent clients it measures throughput and p50/p99 latency of each hot read, and of
the reference `/api/v1/ping` (HTTP + one RPC, no token, no database), in the same run.
Targets at 16 clients: throughput >= 0.6 of the reference, p99 <= 1.5x its p99.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from scripts.local_platform import (
    Platform,
    create_pg_database,
    create_vhost,
    delete_vhost,
    drop_pg_database,
    free_port,
    process_env,
)

SECONDS = float(os.environ.get("BENCH_GATEWAY_SECONDS", "4"))
TASKS = int(os.environ.get("BENCH_GATEWAY_TASKS", "25"))  # dispatched to the secretary's village
CLIENTS = (1, 4, 16)
REFERENCE = ("bare RPC (reference)", "/api/v1/ping", None)
# (label, path, account): the reads people make all day
_MONTH = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m")  # this month, China time
HOT_READS = [
    ("my tasks", "/api/v1/assignments?per_page=20", "secretary"),
    ("village board page", f"/api/v1/boards/village_board?period={_MONTH}&per_page=20", "township"),
    ("org tree, one level", "/api/v1/org/tree?depth=1", "township"),
]


def _load(url: str, headers: dict, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        session = requests.Session()
        mine, bad = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = session.get(url, headers=headers, timeout=30)
            mine.append(time.perf_counter() - started)
            bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def _start_platform(tmp: Path) -> tuple[Platform, list[str], str]:
    from services.grids import commands, models
    from services.grids.demo import DEMO_PASSWORD, seed_demo
    from tests.conftest import make_uow_factory

    databases = {
        service: create_pg_database(service, prefix="gov_bench")
        for service in ("grids", "tasks", "scoring", "notify")
    }
    with make_uow_factory(databases["grids"][1], models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    vhost, uri = create_vhost("gov-bench")
    port = free_port()
    env = process_env(
        uri,
        tmp / "var",
        WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
        GOV_LOGIN_PER_MINUTE="1000",
        **{f"{service.upper()}_DATABASE_URL": url for service, (_, url) in databases.items()},
    )
    (tmp / "logs").mkdir()
    platform = Platform(env, f"http://127.0.0.1:{port}", tmp / "logs")
    for name in ("notify", "grids", "tasks", "scoring", "gateway"):
        platform.start(name)
    platform.wait_ready()
    return platform, [name for name, _ in databases.values()], vhost


def _seed_tasks(platform: Platform, amqp: str, wanted: int = TASKS) -> int:
    """Tasks as the platform makes them: the catalogue seeded, then the department sends one
    task per matter to a township, its leader approves and dispatches each to every village,
    so that the secretary's "my tasks" holds a full page. Returns the tasks dispatched."""
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy({"AMQP_URI": amqp, "serializer": "json"}, timeout=120) as rpc:
        rpc.tasks.catalogue_seed_default()
    dept, leader = platform.login("dept"), platform.login("township")
    base = platform.base_url + "/api/v1"
    township = requests.get(f"{base}/org/tree?depth=0", headers=leader, timeout=30).json()[0]
    matters = requests.get(f"{base}/catalogue?level=village", headers=dept, timeout=30).json()["items"]
    deadline = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    sent = 0
    for matter in (m for m in matters if not m["major"]):
        if sent == wanted:
            break
        body = {
            "title": f"{matter['name']}工作部署",
            "matter_code": matter["code"],
            "target_ids": [township["id"]],
            "deadline": deadline,
        }
        task = requests.post(f"{base}/tasks", json=body, headers=dept, timeout=30).json()
        if task.get("status") != "pending_review":
            continue  # not for this level
        for step, payload in (("approve", None), ("dispatch", {"org_unit_id": township["id"]})):
            r = requests.post(f"{base}/tasks/{task['id']}/{step}", json=payload, headers=leader, timeout=60)
            assert r.status_code == 200, r.text
        sent += 1
    return sent


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        platform, databases, vhost = _start_platform(Path(tmp))
        try:
            dispatched = _seed_tasks(platform, platform.env["AMQP_URI"])
            tokens = {account: platform.login(account) for _, _, account in HOT_READS}
            results: dict = {}
            for clients in CLIENTS:
                for label, path, account in [REFERENCE, *HOT_READS]:
                    headers = tokens.get(account, {}) if account else {}
                    results.setdefault(label, {})[clients] = _load(
                        platform.base_url + path, headers, clients, SECONDS
                    )
        finally:
            platform.stop_all()
            for name in databases:
                drop_pg_database(name)
            delete_vhost(vhost)
    reference = results[REFERENCE[0]]
    print(
        f"gateway reads, {SECONDS:.0f} s per cell, {dispatched} tasks dispatched to every village of the "
        "township (targets at 16 clients: rps >= 0.6x, p99 <= 1.5x the reference)"
    )
    print(
        f"  {'path':26} {'clients':>7} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'rps ratio':>10} {'p99 ratio':>10} {'errors':>7}"
    )
    summary = {}
    for label, by_clients in results.items():
        for clients, m in by_clients.items():
            ref = reference[clients]
            rps_ratio, p99_ratio = m["rps"] / ref["rps"], m["p99_ms"] / ref["p99_ms"]
            print(
                f"  {label:26} {clients:>7} {m['rps']:>8.0f} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f}"
                f" {rps_ratio:>10.2f} {p99_ratio:>10.2f} {m['errors']:>7}"
            )
            summary.setdefault(label, {})[str(clients)] = {
                **{k: round(v, 2) for k, v in m.items()},
                "rps_ratio": round(rps_ratio, 3),
                "p99_ratio": round(p99_ratio, 3),
            }
    return summary
