"""The audit trail (审计记录): one append-only table of who did what, when, from which
address, to what, and with what outcome. Rows are only added; triggers in the database
refuse UPDATE and DELETE (migration 0003), and nothing here offers either.

Written by grids itself in the same transaction as each change, and for what the gateway
sees (refused requests, exports of personal data, writes to the other services) from its
`gateway.audit.recorded` events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import roles
from common.storage import in_scope, paginate
from services.grids.models import AuditEntry

# Roles that read the whole trail, not only their part of the tree.
WHOLE_TRAIL_ROLES = set(roles.AUDIT_EXPORTERS)  # the whole trail is the county's and the auditor's


def write(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target: str,
    org_path: str = "",
    detail: dict | None = None,
    client: str | None = None,
    outcome: str = "ok",
    at: datetime | None = None,
) -> None:
    entry = AuditEntry(
        actor_id=actor_id or 0,  # 0: nobody known (a failed login, a request without a token)
        action=action[:40],
        target=target[:80],
        org_path=org_path or "",
        detail=detail or {},
        client=(client or None) and client[:64],
        outcome=outcome,
    )
    if at is not None:
        entry.at = at
    session.add(entry)


def entries(session: Session, roles, scope_paths, filters: dict, page: int, per_page: int):
    """A page of the trail, newest first, with the filters of `AuditQuery`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if not WHOLE_TRAIL_ROLES & set(roles):
        query = query.where(in_scope(AuditEntry.org_path, scope_paths))
    if filters.get("action"):
        query = query.where(AuditEntry.action == filters["action"])
    if filters.get("actor_id") is not None:
        query = query.where(AuditEntry.actor_id == filters["actor_id"])
    if filters.get("outcome"):
        query = query.where(AuditEntry.outcome == filters["outcome"])
    if filters.get("target"):
        query = query.where(AuditEntry.target.startswith(filters["target"], autoescape=True))
    if filters.get("since"):
        query = query.where(AuditEntry.at >= filters["since"])
    if filters.get("until"):
        query = query.where(AuditEntry.at < filters["until"])
    return paginate(session, query, page, per_page)


def entry_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target": entry.target,
        "org_path": entry.org_path,
        "detail": entry.detail,
        "client": entry.client,
        "outcome": entry.outcome,
        "at": entry.at,
    }
