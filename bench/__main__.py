"""`make bench` (or `python -m bench [name ...]`): run benchmarks, print their tables,
write var/bench.json, then a summary of every target: measured, met or not.

Each module in BENCHES has `run() -> dict` and prints its own figures beside the reference it
measured in the same run. `memory` needs a Quzhou-size county: it uses var/county-quzhou.env
(from `make load PRESET=quzhou`) or loads one first (minutes).

  P1 gateway     hot reads vs the bare echo path through the same gateway, 1/4/16 clients
  P2 fieldwork   monthly visit lists at Quzhou scale vs a per-row ORM loop
  P3 scoring     month recompute vs a naive per-entity loop; event-to-score latency
  P4 outbox      confirmed publishing vs unconfirmed raw publishing
  P5 taskflow    one task dispatched to every village (1,483) vs a bare bulk insert
  P6 replicas    one vs two replicas of grids under the same RPC load
  memory         peak RSS of each process at Quzhou scale
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from common.config import VAR_DIR

BENCHES = ["gateway", "outbox", "taskflow", "fieldwork", "scoring", "replicas", "memory"]


def _get(results: dict, *keys):
    value = results
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def summary(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, reference/target, verdict) for every target the results hold."""
    rows = []

    def row(name, measured, target, ok, why=""):
        if measured is None:
            return
        rows.append(
            (
                name,
                measured,
                target,
                "-" if ok is None else ("met" if ok else "NOT met") + (f" ({why})" if why and not ok else ""),
            )
        )

    gw = results.get("gateway") or {}
    for label, by_clients in gw.items():
        if label.startswith("bare") or "16" not in by_clients:
            continue
        m = by_clients["16"]
        row(
            f"P1 {label} @16 rps",
            f"{m['rps']:.0f} rps = {m['rps_ratio']:.2f}x bare",
            ">= 0.6x bare",
            m["rps_ratio"] >= 0.6,
            "see the gateway table",
        )
        row(
            f"P1 {label} @16 p99",
            f"{m['p99_ms']:.0f} ms = {m['p99_ratio']:.2f}x bare",
            "<= 1.5x bare",
            m["p99_ratio"] <= 1.5,
            "see the gateway table",
        )
    fw = results.get("fieldwork") or {}
    if fw:
        row(
            "P2 visit lists, county", f"{fw['set_based_seconds']} s", "<= 20 s", fw["set_based_seconds"] <= 20
        )
        row("P2 vs per-row ORM", f"{fw['ratio']}x", ">= 20x", fw["ratio"] >= 20)
    sc = results.get("scoring") or {}
    if sc:
        if "first_build_s" in sc:
            row("P3 first build from facts", f"{sc['first_build_s']} s", "<= 10 s", sc["first_build_s"] <= 10)
        row("P3 recompute, month", f"{sc['recompute_s']} s", "<= 10 s", sc["recompute_s"] <= 10)
        row("P3 vs naive loop", f"{sc['ratio']}x", ">= 20x", sc["ratio"] >= 20)
        p99 = _get(sc, "latency", "p99_s")
        if p99 is not None:
            row("P3 event-to-score p99", f"{p99} s", "<= 1 s", p99 <= 1.0)
    ob = results.get("outbox") or {}
    if ob:
        row(
            "P4 confirmed / raw",
            f"{ob['ratio_confirmed_to_raw']}",
            f">= {ob['target_ratio']}",
            ob["ratio_confirmed_to_raw"] >= ob["target_ratio"],
        )
    tf = results.get("taskflow") or {}
    if tf:
        row(
            f"P5 dispatch to {tf['villages']:,} villages",
            f"{tf['dispatch_s']} s (bare insert {tf['bare_bulk_insert_s']} s)",
            f"<= {tf['dispatch_target_s']} s",
            tf["dispatch_s"] <= tf["dispatch_target_s"],
        )
    rp = results.get("replicas") or {}
    if rp:
        cores = rp["runs"]["1 replica"]["service_cores"]
        if rp.get("replica_cores"):
            row(
                f"P6 2 replicas / 1 replica, {rp['replica_cores']:g} core each",
                f"{rp['ratio']}x",
                f">= {rp['target']}x",
                rp["met"],
                "each replica held to its CPU quota by a cgroup, as limits.cpu holds a pod",
            )
        row(
            "P6 2 replicas / 1 replica, free" if rp.get("replica_cores") else "P6 2 replicas / 1 replica",
            f"{rp['ratio_unlimited']}x",
            f">= {rp['target']}x" if not rp.get("replica_cores") else "(reference)",
            rp["met"] if not rp.get("replica_cores") else None,
            f"{rp['cores']} cores shared by clients, broker, PostgreSQL and replicas; one replica used "
            f"{cores[0]} core",
        )
    mem = results.get("memory") or {}
    for name, m in (mem.get("mib") or {}).items():
        row(f"memory {name} (peak RSS)", f"{m['VmHWM']} MiB", f"idle {m['idle_hwm']} MiB", True)
    return rows


def print_summary(rows) -> None:
    if not rows:
        return
    width = max(len(r[0]) for r in rows)
    mwidth = max(len(r[1]) for r in rows)
    print("\n== summary ==")
    print(f"  {'target':{width}}  {'measured':{mwidth}}  {'target / reference':20}  verdict")
    for name, measured, target, verdict in rows:
        print(f"  {name:{width}}  {measured:{mwidth}}  {target:20}  {verdict}")


def main(names: list[str]) -> int:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "bench.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    results, failed = {}, []
    for name in names or BENCHES:
        print(f"\n== {name} ==", flush=True)
        # each benchmark in a process of its own: no state (drivers, patches, caches,
        # memory) carries from one to the next
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            code = subprocess.call([sys.executable, "-m", "bench", "--one", name, out.name])
            if code == 0:
                results[name] = json.loads(Path(out.name).read_text())
            else:
                failed.append(name)
        path.write_text(json.dumps(previous | results, indent=2, ensure_ascii=False))
    print(f"\nwritten {path}")
    print_summary(summary(results))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


def run_one(name: str, out: str) -> int:
    try:
        result = importlib.import_module(f"bench.{name}").run()
    except Exception:  # noqa: BLE001 - reported, and the suite goes on with the others
        traceback.print_exc()
        return 1
    Path(out).write_text(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        sys.exit(run_one(sys.argv[2], sys.argv[3]))
    sys.exit(main(sys.argv[1:]))
