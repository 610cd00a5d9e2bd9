"""Taskflow's ledger rows: one per action, each joining its village's hash chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from common.scope import Actor
from services.tasks.procedures import chain
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import LedgerEntry


def ledger_row(
    at: datetime,
    actor: Actor | None,
    action: str,
    org_path: str,
    task_id: int | None,
    assignment_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict | None = None,
) -> dict:
    ids = domain.ids_of(org_path)
    row = {
        "at": at,
        "month": domain.local_month(at),
        "actor_id": actor.id if actor else None,
        "actor_name": actor.name if actor else "系统",
        "action": action,
        "task_id": task_id,
        "assignment_id": assignment_id,
        "from_status": from_status,
        "to_status": to_status,
        "org_path": org_path,
        "township_id": ids["township_id"],
        "village_id": ids["village_id"],
        "detail": detail or {},
    }
    row["content"] = domain.canonical(row)
    return row


def write_ledger(session, rows: list[dict]) -> None:
    if rows:
        chain.link(session, "tf", rows)  # each row joins its village's hash chain
        session.execute(insert(LedgerEntry), rows)
