"""What the procedure use cases share: who may start, review and bid, the shape of their
events, and their chained ledger rows."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert

from common import roles
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.procedures import chain
from services.tasks.procedures.models import (
    LedgerEntry,
)
from services.tasks.taskflow import domain as tf_domain

STARTER_ROLES = roles.PROCEDURE_STARTERS


TOWNSHIP_ROLES = roles.TOWNSHIP


BIDDER_ROLES = roles.BIDDERS


def procedure_event_of(name: str, data: dict, subject: str, org_path: str) -> DomainEvent:
    return DomainEvent(service="tasks", name=name, data=data, subject=subject, org_path=org_path)


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def place_ids(path: str) -> dict:
    ids = tf_domain.ids_of(path)
    return {"township_id": ids["township_id"], "village_id": ids["village_id"], "grid_id": ids["grid_id"]}


def ledger_row(
    at: datetime,
    actor: Actor | None,
    action: str,
    org_path: str,
    procedure_id: int | None = None,
    project_id: int | None = None,
    detail: dict | None = None,
) -> dict:
    row = {
        "at": at,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.name if actor else "系统",
        "action": action,
        "procedure_id": procedure_id,
        "project_id": project_id,
        "org_path": org_path,
        # JSON-safe as stored, so the content rebuilt from the columns is the same text
        "detail": json.loads(tf_domain.canonical(detail or {})),
    }
    row["content"] = tf_domain.canonical(row)
    return row


def write_ledger(session, rows: list[dict]) -> None:
    if rows:
        chain.link(session, "pr", rows)
        session.execute(insert(LedgerEntry), rows)
