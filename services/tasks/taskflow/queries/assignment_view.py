"""Assignments as the actor may see them, and a task's progress village by village."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from common.paging import page_of
from common.scope import Actor
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Assignment, Matter, Task
from services.tasks.taskflow.queries.task_view import task_visibility
from services.tasks.taskflow.visibility import ASSIGNMENTS


def assignment_visibility(actor: Actor):
    """SQL (with Task joined): the assignments the actor may see (taskflow/visibility.py)."""
    return ASSIGNMENTS.where(actor)


def assignment_dict(a, evidence_required: list[str], today: date) -> dict:
    """An assignment (the ORM object or a row with its columns) as the contract shows it."""
    return {
        "id": a.id,
        "task_id": a.task_id,
        "matter_code": a.matter_code,
        "title": a.title,
        "township_id": a.township_id,
        "village_id": a.village_id,
        "village_name": a.village_name,
        "grid_id": a.grid_id,
        "org_path": a.org_path,
        "assignee_id": a.assignee_id,
        "status": a.status,
        "status_label": domain.ASSIGNMENT_STATUS_LABELS[a.status],
        "deadline": a.deadline,
        "overdue": a.status != "accepted" and a.deadline < today,
        "evidence": a.evidence,
        "evidence_warnings": evidence_rule.warnings((a.evidence or {}).get("files") or []),
        "evidence_required": evidence_required,
        "return_reason": a.return_reason,
        "dispatched_at": a.dispatched_at,
        "submitted_at": a.submitted_at,
        "accepted_at": a.accepted_at,
    }


def assignment_dicts(session: Session, rows: list[Assignment], today: date) -> list[dict]:
    task_ids = {a.task_id for a in rows}
    required: dict[int, list] = {}
    if task_ids:
        for task_id, evidence in session.execute(
            select(Task.id, Matter.evidence)
            .join(Matter, Matter.id == Task.matter_id)
            .where(Task.id.in_(task_ids))
        ):
            required[task_id] = list(evidence)
    return [assignment_dict(a, required.get(a.task_id, []), today) for a in rows]


def assignments(session: Session, actor: Actor, q: dict, today: date) -> dict:
    """My tasks: one page, its total and the counts by status, in two queries."""
    filters = []
    if q.get("matter_code"):
        filters.append(Assignment.matter_code == q["matter_code"])
    if q.get("task_id"):
        filters.append(Assignment.task_id == q["task_id"])
    if q.get("village_id"):
        filters.append(Assignment.village_id == q["village_id"])
    if q.get("due_before"):
        filters.append(Assignment.deadline <= q["due_before"])
    if q.get("overdue") is not None:
        late = and_(Assignment.status != "accepted", Assignment.deadline < today)
        filters.append(late if q["overdue"] else ~late)
    counts = dict(
        session.execute(
            select(Assignment.status, func.count())
            .join(Task, Task.id == Assignment.task_id)
            .where(assignment_visibility(actor), *filters)
            .group_by(Assignment.status)
        ).all()
    )
    # the page's total follows from the counts by status: no count(*) of its own
    total = counts.get(q["status"], 0) if q.get("status") else sum(counts.values())
    if q.get("status"):
        filters.append(Assignment.status == q["status"])
    items = []
    if total > (q["page"] - 1) * q["per_page"]:
        # plain rows (no ORM objects to track for a read), each with its matter's required
        # evidence, in the same query
        rows = session.execute(
            select(*Assignment.__table__.columns, Matter.evidence.label("evidence_required"))
            .join(Task, Task.id == Assignment.task_id)
            .outerjoin(Matter, Matter.id == Task.matter_id)
            .where(assignment_visibility(actor), *filters)
            .order_by(Assignment.deadline, Assignment.id)
            .limit(q["per_page"])
            .offset((q["page"] - 1) * q["per_page"])
        ).all()
        items = [assignment_dict(a, list(a.evidence_required or []), today) for a in rows]
    return page_of(items, total, q) | {"counts": counts}


def progress(session: Session, actor: Actor, task_id: int | None, today: date) -> list[dict]:
    """Per village: assignments by status, overdue and completion rate (the township view)."""
    query = (
        select(
            Assignment.village_id,
            Assignment.village_name,
            Assignment.township_id,
            Assignment.status,
            func.count(),
            func.sum(case((and_(Assignment.status != "accepted", Assignment.deadline < today), 1), else_=0)),
        )
        .join(Task, Task.id == Assignment.task_id)
        .where(assignment_visibility(actor))
        .group_by(Assignment.village_id, Assignment.village_name, Assignment.township_id, Assignment.status)
    )
    if task_id:
        query = query.where(Assignment.task_id == task_id)
    villages: dict[int, dict] = {}
    for village_id, name, township_id, status, n, late in session.execute(query):
        row = villages.setdefault(
            village_id,
            {
                "village_id": village_id,
                "village_name": name,
                "township_id": township_id,
                "total": 0,
                "accepted": 0,
                "overdue": 0,
                "by_status": {},
            },
        )
        row["total"] += n
        row["overdue"] += int(late or 0)
        row["by_status"][status] = n
        if status == "accepted":
            row["accepted"] += n
    for row in villages.values():
        row["completion_rate"] = round(row["accepted"] / row["total"], 4) if row["total"] else 0.0
        row["dispatched"] = True
    if task_id:  # the targets not dispatched yet stand beside the others
        task = session.scalar(select(Task).where(Task.id == task_id, task_visibility(actor)))
        for v in (task.undispatched or []) if task is not None else []:
            if v["village_id"] not in villages:
                villages[v["village_id"]] = {
                    **v,
                    "total": 0,
                    "accepted": 0,
                    "overdue": 0,
                    "by_status": {"not_dispatched": 1},
                    "completion_rate": 0.0,
                    "dispatched": False,
                }
    return sorted(villages.values(), key=lambda r: (r["township_id"] or 0, r["village_id"]))
