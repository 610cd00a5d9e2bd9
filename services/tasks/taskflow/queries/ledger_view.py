"""Taskflow's ledger as the actor may see it, and a village's month as a workbook."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common import xlsx
from common.paging import page_of
from common.scope import Actor
from common.storage import in_scope, paginate
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import LedgerEntry, Task


def ledger_visibility(actor: Actor):
    """Ledger rows in the actor's scope; department staff see the rows of their own tasks."""
    if actor.has("department_staff") and not actor.has(*domain.REVIEWER_ROLES):
        own = select(Task.id).where(
            or_(Task.sender_id == actor.id, Task.sender_department_id == (actor.department_id or -1))
        )
        return LedgerEntry.task_id.in_(own)
    return in_scope(LedgerEntry.org_path, actor.scope)


def ledger_dict(e: LedgerEntry) -> dict:
    return {
        "id": e.id,
        "at": e.at,
        "month": e.month,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "action_label": domain.ACTION_LABELS.get(e.action, e.action),
        "task_id": e.task_id,
        "assignment_id": e.assignment_id,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "org_path": e.org_path,
        "village_id": e.village_id,
        "detail": e.detail,
    }


def ledger(session: Session, actor: Actor, q: dict) -> dict:
    query = select(LedgerEntry).where(ledger_visibility(actor))
    if q.get("village_id"):
        query = query.where(LedgerEntry.village_id == q["village_id"])
    if q.get("task_id"):
        query = query.where(LedgerEntry.task_id == q["task_id"])
    if q.get("month"):
        query = query.where(LedgerEntry.month == q["month"])
    rows, total = paginate(session, query.order_by(LedgerEntry.id), q["page"], q["per_page"])
    return page_of([ledger_dict(e) for e in rows], total, q)


_STATUS_LABELS = {**domain.TASK_STATUS_LABELS, **domain.ASSIGNMENT_STATUS_LABELS}


def ledger_xlsx(session: Session, actor: Actor, village_id: int, month: str) -> tuple[bytes, int]:
    rows = session.scalars(
        select(LedgerEntry)
        .where(ledger_visibility(actor), LedgerEntry.village_id == village_id, LedgerEntry.month == month)
        .order_by(LedgerEntry.id)
    ).all()
    titles = dict(
        session.execute(
            select(Task.id, Task.title).where(Task.id.in_({e.task_id for e in rows if e.task_id}))
        ).all()
    )
    header = [
        "序号",
        "时间(北京时间)",
        "任务编号",
        "任务名称",
        "办理单编号",
        "操作",
        "操作人",
        "原状态",
        "新状态",
        "说明",
    ]
    lines = (
        [
            n,
            (e.at if e.at.tzinfo else e.at.replace(tzinfo=domain.UTC))
            .astimezone(domain.LOCAL)
            .strftime("%Y-%m-%d %H:%M:%S"),
            e.task_id,
            titles.get(e.task_id, ""),
            e.assignment_id,
            domain.ACTION_LABELS.get(e.action, e.action),
            e.actor_name,
            _STATUS_LABELS.get(e.from_status, e.from_status or ""),
            _STATUS_LABELS.get(e.to_status, e.to_status or ""),
            _describe(e.detail),
        ]
        for n, e in enumerate(rows, start=1)
    )
    return xlsx.write_workbook(f"{month}台账", header, lines), len(rows)


def _describe(detail: dict) -> str:
    parts = []
    for key, value in (detail or {}).items():
        if key == "evidence" and isinstance(value, dict):
            value = ";".join(
                f"{domain.EVIDENCE_LABELS.get(k[:-1] if k.endswith('s') else k, k)}:{v}"
                for k, v in value.items()
                if v
            )
        parts.append(f"{key}={value}")
    return ";".join(parts)
