"""Monthly visit lists at Quzhou scale, set-based, against a per-row ORM loop, same run, same database.

A PostgreSQL database of its own gets a synthetic member↔household replica (48,000 members,
~528,000 households over 4,112 grids in 1,483 villages), loaded with COPY. Then:
  set-based   commands.generate_lists: INSERT … SELECT for the items, one grouped INSERT …
              RETURNING for the lists, one visit_list.issued event per member into the outbox,
              one commit (what the timer and the RPC run)
  rerun       the same again: idempotent, adds and emits nothing
  per-row     the reference: for a sample of members, read their links, check and insert each
              item through the ORM with a flush per row, then the list and its event
Targets (issue 4, part 1): set-based ≤ 20 s for the whole county and ≥ 20× the per-row rate.
"""

from __future__ import annotations

import io
import os
import random
import time
import uuid

import psycopg2
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.events import DomainEvent, utcnow
from common.migrations import upgrade
from common.storage import make_engine
from services.tasks.fieldwork import commands
from services.tasks.fieldwork.models import MemberLink, VisitList, VisitListItem
from services.tasks.models import OutboxMessage, ProcessedEvent

PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MEMBERS = int(os.environ.get("BENCH_FW_MEMBERS", "48000"))
HOUSEHOLDS_PER_MEMBER = 11
VILLAGES, GRIDS, TOWNSHIPS = 1483, 4112, 100
SAMPLE_MEMBERS = int(os.environ.get("BENCH_FW_SAMPLE", "300"))
MONTH, SAMPLE_MONTH = "2026-03", "2026-02"


def _admin():
    conn = psycopg2.connect(PG_ADMIN)
    conn.autocommit = True
    return conn


def _load_replica(url: str) -> int:
    """COPY the synthetic links in: grids spread over villages, villages over townships."""
    rng = random.Random(4)
    buf = io.StringIO()
    link_id = 0
    for member in range(1, MEMBERS + 1):
        grid = 10_000 + (member % GRIDS)
        village = 2_000 + (grid % VILLAGES)
        township = 100 + (village % TOWNSHIPS)
        path = f"/1/{township}/{village}/{grid}/"
        for _ in range(HOUSEHOLDS_PER_MEMBER + rng.choice((-1, 0, 0, 1))):
            link_id += 1
            buf.write(
                f"{link_id}\t{member}\t{link_id}\t{grid}\t{village}\t{township}\t{path}\tt\t2026-01-01\n"
            )
    buf.seek(0)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert(
            "COPY fw_member_links (link_id, member_id, household_id, grid_id, village_id, township_id,"
            " org_path, active, synced_at) FROM STDIN",
            buf,
        )
        cur.execute("ANALYZE fw_member_links")
    conn.close()
    return link_id


def _per_row(factory, members: list[int]) -> int:
    """The naive way: one statement per row, as an ORM loop would write it."""
    rows = 0
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        s = uow.session
        for member in members:
            links = s.scalars(
                select(MemberLink).where(MemberLink.member_id == member, MemberLink.active)
            ).all()
            for link in links:
                exists = s.scalar(
                    select(VisitListItem.id).where(
                        VisitListItem.month == SAMPLE_MONTH,
                        VisitListItem.member_id == member,
                        VisitListItem.household_id == link.household_id,
                    )
                )
                if exists is None:
                    s.add(
                        VisitListItem(
                            month=SAMPLE_MONTH,
                            member_id=member,
                            household_id=link.household_id,
                            grid_id=link.grid_id,
                            village_id=link.village_id,
                            township_id=link.township_id,
                            org_path=link.org_path,
                        )
                    )
                    s.flush()
                    rows += 1
            s.add(
                VisitList(
                    month=SAMPLE_MONTH, member_id=member, households=len(links), org_path=links[0].org_path
                )
            )
            s.flush()
            uow.emit(
                DomainEvent(
                    service="tasks",
                    name="visit_list.issued",
                    data={"member_id": member, "month": SAMPLE_MONTH, "households": len(links)},
                    org_path=links[0].org_path,
                )
            )
        uow.commit()
    return rows


def run() -> dict:
    name = f"gov_bench_fieldwork_{uuid.uuid4().hex[:8]}"
    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade("tasks", url)
        started = time.perf_counter()
        links = _load_replica(url)
        load_s = time.perf_counter() - started
        engine = make_engine(url)
        factory = sessionmaker(engine, expire_on_commit=False)

        started = time.perf_counter()
        with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
            report = commands.generate_lists(uow, MONTH, utcnow())
            uow.commit()
        set_s = time.perf_counter() - started

        started = time.perf_counter()
        with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
            rerun = commands.generate_lists(uow, MONTH, utcnow())
            uow.commit()
        rerun_s = time.perf_counter() - started

        sample = random.Random(7).sample(range(1, MEMBERS + 1), SAMPLE_MEMBERS)
        started = time.perf_counter()
        sample_rows = _per_row(factory, sample)
        row_s = time.perf_counter() - started
        with factory() as s:
            events = s.scalar(select(func.count()).select_from(OutboxMessage))
        engine.dispose()
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    set_rate = report["items"] / set_s
    row_rate = sample_rows / row_s
    result = {
        "members": report["members"],
        "items": report["items"],
        "replica_links": links,
        "replica_load_seconds": round(load_s, 2),
        "set_based_seconds": round(set_s, 2),
        "set_based_items_per_s": round(set_rate),
        "rerun_seconds": round(rerun_s, 2),
        "rerun_added": rerun["items"] + rerun["members"],
        "per_row_sample_items": sample_rows,
        "per_row_seconds": round(row_s, 2),
        "per_row_items_per_s": round(row_rate),
        "ratio": round(set_rate / row_rate, 1),
        "outbox_events": events,
        "per_row_projected_full_seconds": round(report["items"] / row_rate, 1),
    }
    print(f"replica: {links:,} member↔household links for {MEMBERS:,} members (COPY {load_s:.1f} s)")
    print(f"{'':24}{'items':>10}{'seconds':>10}{'items/s':>10}")
    print(f"{'set-based (county)':24}{report['items']:>10,}{set_s:>10.2f}{set_rate:>10,.0f}   target ≤ 20 s")
    print(
        f"{'rerun (idempotent)':24}{rerun['items']:>10,}{rerun_s:>10.2f}{'':>10}   adds nothing, emits nothing"
    )
    print(f"{'per-row ORM (sample)':24}{sample_rows:>10,}{row_s:>10.2f}{row_rate:>10,.0f}   reference")
    print(f"ratio set-based / per-row: {result['ratio']}×   target ≥ 20×")
    print(f"per-row for the whole county would take ~{result['per_row_projected_full_seconds']:.0f} s")
    print(f"events in the outbox: {events:,} ({report['members']:,} lists + {SAMPLE_MEMBERS} sample)")
    return result


if __name__ == "__main__":
    run()
