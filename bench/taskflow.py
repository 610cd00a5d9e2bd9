"""Taskflow on PostgreSQL: dispatching one task to every village of a 1,483-village county
(Quzhou's figure), and screening throughput in tasks per second.

Both run the real use cases (commands.*) in real units of work on a fresh, migrated
PostgreSQL database: rows, ledger rows and outbox rows committed together. The org
look-ups that the service makes over the bus (one `subtree`, one `org_units` call per
action) are answered from memory here, so the figures are the tasks service's own work.

References measured in the same run:
  dispatch   bulk insert of the same number of bare rows in one transaction (the floor)
  screening  one bare insert + commit per task (the floor of one transaction per task)
Targets (issue 3): dispatch to 1,483 villages <= 2 s.
"""

from __future__ import annotations

import os
import time
import uuid

import psycopg2
from sqlalchemy import Integer, String, insert
from sqlalchemy.orm import Mapped, declarative_base, mapped_column, sessionmaker

from common.db import UnitOfWork
from common.events import utcnow
from common.migrations import upgrade
from common.scope import Actor
from common.storage import make_engine
from services.tasks.models import OutboxMessage, ProcessedEvent
from services.tasks.taskflow import commands

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
VILLAGES = int(os.environ.get("BENCH_TASKFLOW_VILLAGES", "1483"))
TOWNSHIPS = 103
SCREEN_N = int(os.environ.get("BENCH_TASKFLOW_SCREEN", "600"))
TARGET_DISPATCH_S = 2.0


class _County:
    """An org tree of one county: townships, villages; ids as grids would give them."""

    def __init__(self, villages: int, townships: int):
        self.all = [
            {"id": 1, "level": "county", "name": "基准县", "code": "C", "path": "/1/", "parent_id": None}
        ]
        for t in range(townships):
            tid = 10 + t
            self.all.append(
                {
                    "id": tid,
                    "level": "township",
                    "name": f"乡镇{t}",
                    "code": f"T{t}",
                    "path": f"/1/{tid}/",
                    "parent_id": 1,
                }
            )
        for v in range(villages):
            tid = 10 + v % townships
            vid = 10_000 + v
            self.all.append(
                {
                    "id": vid,
                    "level": "village",
                    "name": f"村{v}",
                    "code": f"V{v}",
                    "path": f"/1/{tid}/{vid}/",
                    "parent_id": tid,
                }
            )
        self.by_id = {u["id"]: u for u in self.all}

    def units(self, ids):
        return [self.by_id[i] for i in ids if i in self.by_id]

    def subtree(self, unit_id):
        path = self.by_id[unit_id]["path"]
        return [u for u in self.all if u["path"].startswith(path)]

    def responsible_for_grid(self, grid_id):
        return {"grid_workers": [], "cadres": []}


_Scratch = declarative_base()


class _Bare(_Scratch):
    __tablename__ = "bench_bare"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    village_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))


def _database() -> tuple[str, str]:
    name = f"gov_bench_tasks_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop(name: str) -> None:
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def run() -> dict:
    name, url = _database()
    try:
        upgrade("tasks", url)
        engine = make_engine(url)
        _Scratch.metadata.create_all(engine)
        factory = sessionmaker(engine, expire_on_commit=False)

        def uow() -> UnitOfWork:
            return UnitOfWork(factory, OutboxMessage, ProcessedEvent)

        org = _County(VILLAGES, TOWNSHIPS)
        admin = Actor(1, "县管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
        dept = Actor(2, "县公安局干部", frozenset({"department_staff"}), 1, 7, ("/1/",))
        with uow() as u:
            commands.seed_default(u, utcnow())
            u.commit()

        # -- dispatch one task to every village of the county --------------------------------
        village_ids = [u["id"] for u in org.all if u["level"] == "village"]
        with uow() as u:
            task = commands.submit_task(
                u,
                dept,
                {"title": "全县反诈宣传", "matter_code": "PA001", "target_ids": village_ids},
                org,
                utcnow(),
            )
            u.commit()
            task_id = task.id
        with uow() as u:
            commands.approve_task(u, admin, task_id, utcnow())
            u.commit()
        started = time.perf_counter()
        with uow() as u:
            _, assignment_ids = commands.dispatch_task(u, admin, task_id, {"org_unit_id": 1}, org, utcnow())
            u.commit()
        dispatch_s = time.perf_counter() - started
        assert len(assignment_ids) == VILLAGES

        started = time.perf_counter()
        with factory() as session:
            session.execute(
                insert(_Bare), [{"task_id": 1, "village_id": v, "status": "dispatched"} for v in village_ids]
            )
            session.commit()
        bare_bulk_s = time.perf_counter() - started

        # -- screening throughput: a mix of accepted, rejected and duplicate tasks ---------
        codes = ["RJ001", "FX001", "XX999", "MS001", "QT002", "AQ002"]
        started = time.perf_counter()
        outcomes: dict[str, int] = {}
        for i in range(SCREEN_N):
            village = village_ids[i % 150]  # the same villages come round again: duplicates
            with uow() as u:
                task = commands.submit_task(
                    u,
                    dept,
                    {"title": f"任务{i}", "matter_code": codes[i % len(codes)], "target_ids": [village]},
                    org,
                    utcnow(),
                )
                u.commit()
                key = task.reject_reason or task.status
                outcomes[key] = outcomes.get(key, 0) + 1
        screen_rate = SCREEN_N / (time.perf_counter() - started)

        started = time.perf_counter()
        for i in range(SCREEN_N):
            with factory() as session:
                session.add(_Bare(task_id=i, village_id=i, status="x"))
                session.commit()
        bare_rate = SCREEN_N / (time.perf_counter() - started)
        engine.dispose()
    finally:
        _drop(name)

    result = {
        "villages": VILLAGES,
        "dispatch_s": round(dispatch_s, 3),
        "dispatch_target_s": TARGET_DISPATCH_S,
        "bare_bulk_insert_s": round(bare_bulk_s, 3),
        "screening_tasks_per_s": round(screen_rate, 1),
        "bare_commit_per_s": round(bare_rate, 1),
        "screening_outcomes": outcomes,
    }
    print(f"taskflow on PostgreSQL ({VILLAGES} villages in {TOWNSHIPS} townships)")
    print(f"  {'dispatch to every village':40} {dispatch_s:>8.3f} s   target <= {TARGET_DISPATCH_S} s")
    print(f"  {'  reference: bare bulk insert, same rows':40} {bare_bulk_s:>8.3f} s")
    print(f"  {'screening (one task per transaction)':40} {screen_rate:>8.1f} tasks/s")
    print(f"  {'  reference: bare insert + commit':40} {bare_rate:>8.1f} /s")
    print(f"  outcomes: {outcomes}")
    return result
