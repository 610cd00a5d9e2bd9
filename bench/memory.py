"""Peak memory (RSS high-water mark, VmHWM) of each service process at Quzhou scale.

The five processes run on the databases of a loaded county: the URLs in var/county-quzhou.env
(written by `python scripts/load_county.py --preset quzhou --create`), or, when that file is
missing, a county loaded now (several minutes). Each process then does its heaviest routine work
at that scale, and /proc/<pid>/status is read for VmHWM and VmRSS:

  tasks     fieldwork_sync_links: the full member↔household replica (~530,000 links, paged from
            grids), then visit_generate_lists for the next month (~530,000 items, ~48,000 events)
  grids     the links_snapshot pages behind that sync; org tree and people pages via the gateway
  scoring   recompute of the loaded month (millions of facts → totals → every score), a board
  notify    whatever the relay sends it meanwhile (the next month's visit-list events)
  gateway   the HTTP reads above

Reference in the same run: the VmHWM of the same processes right after start-up (idle).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common.config import VAR_DIR
from scripts.local_platform import Platform, create_vhost, delete_vhost, free_port, process_env

PRESET = os.environ.get("BENCH_MEMORY_PRESET", "quzhou")
MONTH = os.environ.get("BENCH_MEMORY_MONTH", "2026-11")
NEXT_MONTH = "2026-12"


def _status(pid: int) -> dict:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0]) // 1024  # MiB
    return values


def _county_urls() -> dict[str, str]:
    path = VAR_DIR / f"county-{PRESET}.env"
    if not path.exists():
        from scripts.load_county import main as load_county

        load_county(["--preset", PRESET, "--create", "--month", MONTH])
    urls = {}
    for line in path.read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        if key.endswith("_DATABASE_URL"):
            urls[key] = value
    return urls


def run() -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    urls = _county_urls()
    vhost, uri = create_vhost("gov-bench-mem")
    port = free_port()
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        env = process_env(
            uri,
            Path(tmp) / "var",
            WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
            GOV_LOGIN_PER_MINUTE="1000",
            **urls,
        )
        platform = Platform(env, f"http://127.0.0.1:{port}", logs)
        try:
            for name in ("notify", "grids", "tasks", "scoring", "gateway"):
                platform.start(name)
            platform.wait_ready(120)
            pids = {name: proc.pid for name, proc in platform.procs.items()}
            idle = {name: _status(pid) for name, pid in pids.items()}
            import requests

            admin = platform.login("admin")
            township = platform.login("township")
            me = requests.get(platform.base_url + "/api/v1/auth/me", headers=admin, timeout=30)
            actor = {"id": 1, "name": "admin", "roles": ["county_admin"], "scope": ["/1/"], "org_unit_id": 1}
            if me.status_code == 200:
                actor |= {k: v for k, v in me.json().items() if k in ("id", "roles", "scope", "org_unit_id")}
            with ClusterRpcProxy({"AMQP_URI": uri, "serializer": "json"}, timeout=900) as rpc:
                for label, call in [
                    ("tasks.fieldwork_sync_links", lambda: rpc.tasks.fieldwork_sync_links(actor)),
                    ("tasks.visit_generate_lists", lambda: rpc.tasks.visit_generate_lists(NEXT_MONTH, actor)),
                    ("scoring.recompute", lambda: rpc.scoring.recompute(actor, {"period": MONTH})),
                ]:
                    started = time.perf_counter()
                    call()
                    timings[label] = round(time.perf_counter() - started, 1)
            for path, headers in [
                ("/api/v1/org/tree?depth=2", admin),
                ("/api/v1/people?per_page=100", township),
                ("/api/v1/households?per_page=100", township),
                (f"/api/v1/boards/village?period={MONTH}", admin),
            ]:
                for _ in range(5):
                    requests.get(platform.base_url + path, headers=headers, timeout=60)
            time.sleep(float(os.environ.get("BENCH_MEMORY_SETTLE", "20")))  # the relay's events drain
            peak = {name: _status(pid) for name, pid in pids.items()}
        finally:
            platform.stop_all()
            delete_vhost(vhost)
    print(f"peak memory per process at {PRESET} scale (MiB; idle = right after start-up, same run)")
    print(f"  {'process':10} {'idle HWM':>9} {'peak HWM':>9} {'RSS after':>10}")
    for name in peak:
        print(f"  {name:10} {idle[name]['VmHWM']:>9} {peak[name]['VmHWM']:>9} {peak[name]['VmRSS']:>10}")
    print("  work done: " + ", ".join(f"{k} {v} s" for k, v in timings.items()))
    return {
        "preset": PRESET,
        "mib": {name: {"idle_hwm": idle[name]["VmHWM"], **peak[name]} for name in peak},
        "seconds": timings,
    }
