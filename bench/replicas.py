"""P6: one replica of a service against two, under the same load (target >= 1.6x).

The grids service runs as `nameko run` processes on its own vhost and a PostgreSQL database
holding a county from `services/grids/scale/` (preset BENCH_REPLICAS_PRESET, default demo).
CLIENTS client processes call `grids.responsible_for_grid(grid)` — the look-up tasks makes
for every matter and alert: three indexed queries and a reply — back to back for SECONDS,
first against one replica, then against two competing for the same `rpc-grids` queue.

Beside it, in the same run: the same clients calling `grids.ping` (no database) against one
replica — the ceiling of the clients and broker themselves — and the CPU each grids process
used (from /proc/<pid>/stat), which tells whether one replica was the bottleneck.
On a 2-core machine the clients, RabbitMQ, PostgreSQL and the replicas share two cores, so
a second replica can add at most what the first leaves idle (see docs/capacity.md).

So the comparison is made twice. First as the processes come (each replica may take any
core); then with each replica held to BENCH_REPLICAS_CORES of a core by a cgroup CPU quota of
its own, as a `resources.limits.cpu` holds a pod in deploy/k8s: a replica then has capacity
of its own, as it would on a node of its own, and the second replica's gain measures the
design (competing consumers on one queue, no shared in-process state), not the size of the
box. The target is judged on the limited run; without a writable cgroup (not root) only the
first run is made, and the summary says so.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import requests

from scripts.local_platform import (
    RABBIT_API,
    Platform,
    create_pg_database,
    create_vhost,
    delete_vhost,
    drop_pg_database,
    process_env,
)

SECONDS = float(os.environ.get("BENCH_REPLICAS_SECONDS", "12"))
CLIENTS = int(os.environ.get("BENCH_REPLICAS_CLIENTS", "8"))
PRESET = os.environ.get("BENCH_REPLICAS_PRESET", "demo")
# a small quota, so that the parts all replicas share (8 client processes, the broker,
# PostgreSQL) stay far from saturating the 2 cores and the replicas are the bottleneck
REPLICA_CORES = float(os.environ.get("BENCH_REPLICAS_CORES", "0.1"))
TARGET = 1.6
TICK = os.sysconf("SC_CLK_TCK")


class CpuQuota:
    """A cgroup with a CPU quota (v1 `cpu` controller or v2 `cpu.max`) that processes join."""

    PERIOD_US = 100_000  # the kernel's and Kubernetes' default

    def __init__(self, name: str, cores: float):
        self.path: Path | None = None
        quota = int(cores * self.PERIOD_US)
        v2 = Path("/sys/fs/cgroup")
        v1 = Path("/sys/fs/cgroup/cpu")
        try:
            if (v2 / "cgroup.controllers").exists():
                if "cpu" not in (v2 / "cgroup.subtree_control").read_text().split():
                    (v2 / "cgroup.subtree_control").write_text("+cpu")
                path = v2 / name
                path.mkdir(exist_ok=True)
                (path / "cpu.max").write_text(f"{quota} {self.PERIOD_US}")
            elif (v1 / "cpu.cfs_quota_us").exists():
                path = v1 / name
                path.mkdir(exist_ok=True)
                (path / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
                (path / "cpu.cfs_quota_us").write_text(str(quota))
            else:
                return
        except OSError:
            return
        self.path = path

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def release(self, pid: int | str) -> None:
        try:
            (self.path.parent / "cgroup.procs").write_text(str(pid))
        except OSError:
            pass  # the process is gone

    def remove(self) -> None:
        if self.path is None:
            return
        for pid in (self.path / "cgroup.procs").read_text().split():
            self.release(pid)
        self.path.rmdir()


def _client(uri: str, method: str, grid_ids: list[int], seconds: float, seed: int, out) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    from nameko.standalone.rpc import ClusterRpcProxy

    rng = random.Random(seed)
    latencies, errors = [], 0
    with ClusterRpcProxy({"AMQP_URI": uri, "serializer": "json"}, timeout=30) as proxy:
        proxy.grids.ping()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if method == "ping":
                    proxy.grids.ping()
                else:
                    proxy.grids.responsible_for_grid(rng.choice(grid_ids))
            except Exception:  # noqa: BLE001 - counted, the run goes on
                errors += 1
            latencies.append(time.perf_counter() - started)
    out.put((latencies, errors))


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _drive(uri: str, method: str, grid_ids: list[int], pids: list[int]) -> dict:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(uri, method, grid_ids, SECONDS, i, out)) for i in range(CLIENTS)
    ]
    cpu_before = {pid: _cpu(pid) for pid in pids}
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=SECONDS + 120) for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started - 0.0
    latencies = sorted(x for lat, _ in results for x in lat)
    cpu = {pid: (_cpu(pid) - cpu_before[pid]) / elapsed for pid in pids}
    return {
        "calls": len(latencies),
        "errors": sum(e for _, e in results),
        "rps": len(latencies) / SECONDS,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        if latencies
        else None,
        "service_cores": [round(c, 2) for c in cpu.values()],
    }


def _consumers(vhost: str, queue: str = "rpc-grids") -> int:
    r = requests.get(f"{RABBIT_API}/queues/{vhost}/{queue}", timeout=10)
    return r.json().get("consumers", 0) if r.status_code == 200 else 0


def _wait_consumers(vhost: str, count: int, seconds: float = 60, exactly: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        consumers = _consumers(vhost)
        if consumers == count or (consumers > count and not exactly):
            return
        time.sleep(0.5)
    raise RuntimeError(f"rpc-grids never had {count} consumers")


def run() -> dict:
    from common.storage import make_engine
    from services.grids import scale
    from services.grids.commands import hasher

    name, url = create_pg_database("grids", prefix="gov_bench_p6")
    engine = make_engine(url, pool_size=2)
    county = scale.load(engine, scale.PRESETS[PRESET], hasher.hash("not-used"))
    engine.dispose()
    vhost, uri = create_vhost("gov-bench-p6")
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        env = process_env(uri, Path(tmp) / "var", GRIDS_DATABASE_URL=url)
        platform = Platform(env, "", logs)
        try:
            platform.start("grids")
            _wait_consumers(vhost, 1)
            first = platform.procs["grids"].pid
            results["ping, 1 replica (reference)"] = _drive(uri, "ping", county.grids, [first])
            results["1 replica"] = _drive(uri, "look-up", county.grids, [first])
            quotas = []
            if REPLICA_CORES > 0:
                quotas = [CpuQuota(f"gov-bench-p6-{i}-{os.getpid()}", REPLICA_CORES) for i in (1, 2)]
            limited = f"{REPLICA_CORES:g} core each" if quotas and all(q.path for q in quotas) else None
            second = Platform(env, "", logs)
            try:
                if limited:
                    quotas[0].add(first)
                    results[f"1 replica, {limited}"] = _drive(uri, "look-up", county.grids, [first])
                    quotas[0].release(first)
                second.start("grids")
                _wait_consumers(vhost, 2)
                pids = [first, second.procs["grids"].pid]
                results["2 replicas"] = _drive(uri, "look-up", county.grids, pids)
                if limited:
                    for quota, pid in zip(quotas, pids, strict=True):
                        quota.add(pid)
                    results[f"2 replicas, {limited}"] = _drive(uri, "look-up", county.grids, pids)
                    # the single replica once more, after: its mean is the reference, so a
                    # drift of the shared box during the runs counts on both sides
                    second.stop_all()
                    _wait_consumers(vhost, 1, exactly=True)
                    results[f"1 replica again, {limited}"] = _drive(uri, "look-up", county.grids, [first])
            finally:
                second.stop_all()
                for quota in quotas:
                    quota.remove()
        finally:
            platform.stop_all()
            delete_vhost(vhost)
            drop_pg_database(name)
    free = results["2 replicas"]["rps"] / results["1 replica"]["rps"]
    limited_runs = [k for k in results if k.startswith("1 replica, ")]
    if limited_runs:
        suffix = limited_runs[0].removeprefix("1 replica")
        single = statistics.mean(results[f"1 replica{again}{suffix}"]["rps"] for again in ("", " again"))
        ratio = results[f"2 replicas{suffix}"]["rps"] / single
    else:
        ratio = free
    print(
        f"P6 grids.responsible_for_grid, {CLIENTS} client processes, {SECONDS:.0f} s each, "
        f"county preset {PRESET}, {os.cpu_count()} cores (target 2 replicas >= {TARGET}x 1 replica)"
    )
    print(
        f"  {'run':30} {'calls/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  cores used per grids process"
    )
    for label, m in results.items():
        print(
            f"  {label:30} {m['rps']:>8.0f} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} {m['errors']:>7}  "
            f"{m['service_cores']}"
        )
    print(f"  2 replicas / 1 replica, each replica free to take any core: {free:.2f}x")
    if limited_runs:
        print(
            f"  2 replicas / mean of the 1-replica runs, each replica held to {REPLICA_CORES:g} core: {ratio:.2f}x"
        )
    else:
        print("  (no writable cgroup here: the CPU-limited comparison was not made)")
    return {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "cores": os.cpu_count(),
        "runs": {
            k: {kk: (round(vv, 2) if isinstance(vv, float) else vv) for kk, vv in v.items()}
            for k, v in results.items()
        },
        "ratio": round(ratio, 3),
        "ratio_unlimited": round(free, 3),
        "replica_cores": REPLICA_CORES if limited_runs else None,
        "target": TARGET,
        "met": ratio >= TARGET,
    }
