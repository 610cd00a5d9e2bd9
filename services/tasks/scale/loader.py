"""Loading a month and checking what was loaded."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.storage import copy_rows, raw_connection
from services.tasks.fieldwork import commands as fieldwork
from services.tasks.fieldwork.models import LedgerEntry, Matter, Visit
from services.tasks.models import OutboxMessage, ProcessedEvent
from services.tasks.scale.field_activity import write_matters, write_visits
from services.tasks.scale.replicas import write_replicas
from services.tasks.scale.task_activity import write_tasks
from services.tasks.scale.writer import (
    ASSIGNMENT_COLUMNS,
    FW_LEDGER_COLUMNS,
    MATTER_COLUMNS,
    OUTBOX_COLUMNS,
    TASK_COLUMNS,
    TF_LEDGER_COLUMNS,
    VISIT_COLUMNS,
    Writer,
    month_bounds,
)
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow.models import Assignment, Task, TaskTarget
from services.tasks.taskflow.models import LedgerEntry as TaskLedger
from services.tasks.taskflow.models import Matter as CatalogueMatter


def load(engine, county, month: str, seed: int = 2026) -> dict:
    """Replicas, catalogue, the month's lists and its activity into the tasks database."""
    scale = county.scale
    rng = random.Random(f"tasks:{scale.name}:{month}:{seed}")
    start, end = month_bounds(month)
    factory = sessionmaker(engine)
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        write_replicas(cur, county, start)
        raw.commit()
    finally:
        raw.close()
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        taskflow.seed_default(uow, start)
        uow.commit()
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        lists = fieldwork.generate_lists(uow, month, start + timedelta(hours=1))
        uow.commit()
    with engine.connect() as conn:
        catalogue = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    CatalogueMatter.id,
                    CatalogueMatter.code,
                    CatalogueMatter.name,
                    CatalogueMatter.levels,
                    CatalogueMatter.default_days,
                ).where(CatalogueMatter.current, CatalogueMatter.major.is_(False))
            )
            if "village" in r.levels
        ]

    w = Writer(rng, published=end)
    visits, visit_ledger, needs = write_visits(w, county, scale, month, start, end)
    matters, matter_ledger = write_matters(w, county, scale, month, start, end, needs)
    tasks, targets, assignments, task_ledger = write_tasks(w, county, scale, catalogue, start, end)
    w.outbox.sort(key=lambda row: row[5])  # commit order is time order
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        copy_rows(cur, Visit.__tablename__, VISIT_COLUMNS, visits)
        copy_rows(cur, Matter.__tablename__, MATTER_COLUMNS, matters)
        copy_rows(
            cur,
            LedgerEntry.__tablename__,
            FW_LEDGER_COLUMNS,
            sorted(visit_ledger + matter_ledger, key=lambda r: r[10]),
        )  # noqa: E501
        copy_rows(cur, Task.__tablename__, TASK_COLUMNS, tasks)
        copy_rows(
            cur, TaskTarget.__tablename__, ["id", "task_id", "org_unit_id", "level", "name", "path"], targets
        )
        copy_rows(cur, Assignment.__tablename__, ASSIGNMENT_COLUMNS, assignments)
        copy_rows(
            cur,
            TaskLedger.__tablename__,
            TF_LEDGER_COLUMNS,
            (tuple(r[c] for c in TF_LEDGER_COLUMNS) for r in sorted(task_ledger, key=lambda r: r["at"])),
        )
        copy_rows(cur, OutboxMessage.__tablename__, OUTBOX_COLUMNS, w.outbox)
        cur.execute(
            """UPDATE fw_visit_list_items i SET visit_id = v.id, visited_at = v.visited_at, rating = v.rating
               FROM fw_visits v WHERE i.month = %s AND v.month = i.month
               AND v.member_id = i.member_id AND v.household_id = i.household_id""",
            (month,),
        )
        # history: everything in the outbox up to now counts as delivered (see the module doc)
        cur.execute("UPDATE outbox SET published_at = %s WHERE published_at IS NULL", (end,))
        for table in ("fw_visits", "fw_matters", "tf_tasks", "tf_task_targets", "tf_assignments"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return {
        "visit_list_items": lists["total_items"],
        "visit_lists": lists["members"],
        "visits": len(visits),
        "ratings": sum(1 for v in visits if v[14] is not None),
        "matters": len(matters),
        "tasks": len(tasks),
        "assignments": len(assignments),
        "events": len(w.outbox) + lists["members"],
    }


def check(engine, month: str) -> dict:
    queries = {
        "visit_list_items": "SELECT count(*) FROM fw_visit_list_items WHERE month = :m",
        "visits": "SELECT count(*) FROM fw_visits WHERE month = :m",
        "items_visited": "SELECT count(*) FROM fw_visit_list_items WHERE month = :m AND visit_id IS NOT NULL",
        "matters": "SELECT count(*) FROM fw_matters WHERE month = :m",
        "assignments": "SELECT count(*) FROM tf_assignments",
        "outbox": "SELECT count(*) FROM outbox",
        "outbox_unpublished": "SELECT count(*) FROM outbox WHERE published_at IS NULL",
        "visits_off_list": """SELECT count(*) FROM fw_visits v WHERE v.month = :m AND NOT EXISTS (
            SELECT 1 FROM fw_member_links l WHERE l.member_id = v.member_id AND l.household_id = v.household_id)""",
        "assignments_bad_path": """SELECT count(*) FROM tf_assignments a JOIN tf_places p ON p.id = a.village_id
            WHERE a.org_path <> p.path""",
    }
    with engine.connect() as conn:
        return {name: int(conn.scalar(text(sql), {"m": month})) for name, sql in queries.items()}
