"""Load a county of a given scale, with a month of activity, into the services' PostgreSQL databases.

    python scripts/load_county.py --preset quzhou            # URLs from GRIDS_DATABASE_URL etc.
    python scripts/load_county.py --preset demo --create     # fresh databases, URLs printed
    python scripts/load_county.py --villages 50 --grids 150 --members 600 --create   # a custom scale
    make load PRESET=quzhou

Each service's part is written by that service's own loader module, with its own models:

  grids    services/grids/scale/      org tree, departments, teams, people, households, residents, links
  tasks    services/tasks/scale/      replicas of grids' data, catalogue, the month's visit lists
                                      (generate_lists), visits, ratings, matters, mailbox items,
                                      tasks and assignments, both ledgers, the outbox rows
  scoring  services/scoring/scale.py  facts of the tasks outbox's events (facts_for), entities,
                                      link replica, then recompute.recompute for the month

The script is the only thing that sees more than one database: it hands grids' snapshot to
the others, as their look-ups would, and the tasks outbox to scoring, as the relay would.
Same seed, same county. The databases must be empty (freshly migrated).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")
warnings.filterwarnings("ignore", module="eventlet")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common.config import env  # noqa: E402
from common.events import to_cloudevent  # noqa: E402
from common.migrations import upgrade  # noqa: E402
from common.storage import make_engine, raw_connection  # noqa: E402

DEFAULT_MONTH = "2026-11"


def scale_from(args):
    from services.grids.scale import PRESETS

    scale = PRESETS[args.preset]
    overrides = {
        field: getattr(args, field)
        for field in ("townships", "villages", "grids", "members", "village_cadres", "team_cadres", "tasks")
        if getattr(args, field) is not None
    }
    if overrides:
        scale = dataclasses.replace(scale, name=f"{scale.name}-custom", **overrides)
    if not (scale.townships <= scale.villages <= scale.grids <= scale.members):
        raise SystemExit("need townships <= villages <= grids <= members")
    return scale


def outbox_events(tasks_engine):
    """The tasks outbox as the relay publishes it: CloudEvents dicts in commit order."""
    raw = raw_connection(tasks_engine)
    try:
        cur = raw.cursor(name="outbox_stream")
        cur.itersize = 20000
        cur.execute("SELECT event_id, type, source, subject, org_path, time, data FROM outbox ORDER BY seq")
        for event_id, etype, source, subject, org_path, at, data in cur:
            yield to_cloudevent(
                id=event_id, type=etype, source=source, time=at, subject=subject, data=data, org_path=org_path
            )
        cur.close()
    finally:
        raw.rollback()
        raw.close()


def scoring_links(county) -> dict[str, list[dict]]:
    return {
        "cadre_grid": [
            {
                "id": link_id,
                "source_id": cadre,
                "target_id": grid,
                "org_path": county.path[grid],
                "village_id": county.parent[grid],
            }
            for link_id, cadre, grid in county.cadre_links
        ],
        "team_village": [
            {
                "id": link_id,
                "source_id": team,
                "target_id": village,
                "org_path": county.path[village],
                "village_id": village,
            }
            for link_id, team, village in county.team_links
        ],
    }


def database_urls(args) -> dict[str, str]:
    services = ("grids", "tasks", "scoring", "notify")
    if args.create:
        from scripts.local_platform import create_pg_database

        urls = {}
        for service in services:
            _, urls[service] = create_pg_database(service, prefix=f"gov_county_{args.preset}")
        return urls
    urls = {s: env(f"{s.upper()}_DATABASE_URL") for s in services}
    missing = [f"{s.upper()}_DATABASE_URL" for s in ("grids", "tasks", "scoring") if not urls[s]]
    if missing or not all(u.startswith("postgres") for u in urls.values() if u):
        raise SystemExit(f"set {', '.join(missing) or 'PostgreSQL URLs'} (PostgreSQL), or pass --create")
    for service, url in urls.items():
        if url:
            upgrade(service, url)
    return urls


def load(scale, urls: dict[str, str], month: str, seed: int, say=print) -> dict:
    from services.grids import scale as grids_scale
    from services.grids.commands import hasher
    from services.grids.demo import DEMO_PASSWORD
    from services.scoring import scale as scoring_scale
    from services.tasks import scale as tasks_scale

    engines = {s: make_engine(url, pool_size=2) for s, url in urls.items() if url}
    report: dict = {"scale": dataclasses.asdict(scale), "month": month, "seconds": {}}
    started = time.monotonic()

    t = time.monotonic()
    county = grids_scale.load(engines["grids"], scale, hasher.hash(DEMO_PASSWORD), seed)
    report["grids"] = county.counts
    report["seconds"]["grids"] = round(time.monotonic() - t, 1)
    say(
        f"grids    {report['seconds']['grids']:7.1f} s  "
        + ", ".join(f"{k} {v:,}" for k, v in county.counts.items())
    )

    t = time.monotonic()
    report["tasks"] = tasks_scale.load(engines["tasks"], county, month, seed)
    report["seconds"]["tasks"] = round(time.monotonic() - t, 1)
    say(
        f"tasks    {report['seconds']['tasks']:7.1f} s  "
        + ", ".join(f"{k} {v:,}" for k, v in report["tasks"].items())
    )

    t = time.monotonic()
    report["scoring"] = scoring_scale.load(
        engines["scoring"], outbox_events(engines["tasks"]), scoring_links(county), month
    )
    report["seconds"]["scoring"] = round(time.monotonic() - t, 1)
    say(
        f"scoring  {report['seconds']['scoring']:7.1f} s  "
        + ", ".join(f"{k} {v:,}" for k, v in report["scoring"].items())
    )
    report["seconds"]["total"] = round(time.monotonic() - started, 1)
    report["accounts"] = county.accounts
    report["check"] = {
        "grids": grids_scale.check(engines["grids"]),
        "tasks": tasks_scale.check(engines["tasks"], month),
        "scoring": scoring_scale.check(engines["scoring"], month),
    }
    for engine in engines.values():
        engine.dispose()
    return report


# check keys that must be zero in a consistent county
MUST_BE_ZERO = {
    "bad_paths",
    "households_without_member",
    "member_links_across_grids",
    "grids_without_cadre",
    "villages_without_team",
    "cadre_links_outside_village",
    "outbox_unpublished",
    "visits_off_list",
    "assignments_bad_path",
    "facts_without_entity",
}


def problems(checks: dict) -> dict:
    return {
        k: v for per_service in checks.values() for k, v in per_service.items() if k in MUST_BE_ZERO and v
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="demo", choices=["demo", "shaoxing", "quzhou"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--month", default=DEFAULT_MONTH, help="the month of activity, YYYY-MM")
    parser.add_argument("--create", action="store_true", help="create fresh databases and print their URLs")
    for field in ("townships", "villages", "grids", "members", "village-cadres", "team-cadres", "tasks"):
        parser.add_argument(f"--{field}", type=int, default=None, help="override the preset")
    args = parser.parse_args(argv)
    scale = scale_from(args)
    urls = database_urls(args)
    print(
        f"loading {scale.name}: {scale.villages:,} villages, {scale.grids:,} grids, {scale.members:,} members"
    )
    report = load(scale, urls, args.month, args.seed)
    print(f"done in {report['seconds']['total']} s")
    for service, checks in report["check"].items():
        print(f"check {service}: " + ", ".join(f"{k} {v:,}" for k, v in checks.items()))
    if args.create:
        from common.config import VAR_DIR

        exports = "".join(f"export {s.upper()}_DATABASE_URL={url}\n" for s, url in urls.items())
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        (VAR_DIR / f"county-{scale.name}.env").write_text(exports)
        print(f"databases (also in {VAR_DIR / f'county-{scale.name}.env'}):\n{exports}", end="")
    bad = problems(report["check"])
    if bad:
        print(f"INCONSISTENT: {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
