"""Matters on the escalation ladder: reported, escalated grid → village → township →
department, dispatched, taken, resolved and rated; overdue ones climb by themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import roles
from common.errors import DomainError
from common.scope import Actor
from common.text import is_blank
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.alerts import raise_alert
from services.tasks.fieldwork.commands.attachment_intake import check_attachments
from services.tasks.fieldwork.commands.matter_records import (
    climb,
    guarded,
    load_matter,
    matter_state,
    new_matter,
    record_step,
)
from services.tasks.fieldwork.domain import LEVEL_LABELS, Level, Source, Status
from services.tasks.fieldwork.models import GridContact, Matter
from services.tasks.fieldwork.storage import _aware


def create_matter(uow, actor: Actor, data: dict, contact: GridContact, now: datetime) -> Matter:
    """A grid worker, cadre or member logs something found in their grid."""
    actor.require(*roles.MATTER_HANDLERS)
    actor.require_scope(contact.org_path)
    check_attachments(uow.session, actor, data["attachment_ids"])
    handler = actor.id if actor.has(*roles.SELF_HANDLERS) else (contact.grid_workers or [None])[0]
    return new_matter(
        uow,
        title=data["title"],
        description=data["description"],
        source=Source.grid,
        contact=contact,
        now=now,
        handler_id=handler,
        actor_id=actor.id,
        reporter_id=actor.id,
        member_id=actor.id if actor.has("member") else None,
        attachment_ids=data["attachment_ids"],
    )


def escalate(
    uow, actor: Actor, matter_id: int, note: str, contact: GridContact | None, now: datetime
) -> Matter:
    m = load_matter(uow.session, matter_id)
    to = guarded(domain.check_escalate, actor, matter_state(m))
    from_level, from_status = m.level, m.status
    climb(uow, m, to, contact, now)
    record_step(
        uow, m, "matter.escalated", "escalated", actor.id, now, note, from_level, from_status, reason="manual"
    )
    return m


def dispatch(uow, actor: Actor, matter_id: int, department: dict, note: str, now: datetime) -> Matter:
    m = load_matter(uow.session, matter_id)
    guarded(domain.check_dispatch, actor, matter_state(m), platform_staff(actor))
    if not domain.serves(department["org_unit_id"], m.org_path):
        raise DomainError("out_of_scope")  # another township's department
    department_id = department["id"]
    m.department_id = department_id
    record_step(uow, m, "matter.dispatched", "dispatched", actor.id, now, note, m.level, m.status)
    return m


def take(uow, actor: Actor, matter_id: int, note: str, now: datetime) -> Matter:
    m = load_matter(uow.session, matter_id)
    guarded(domain.check_take, actor, matter_state(m))
    from_status = m.status
    m.status, m.handler_id = Status.taken.value, actor.id
    record_step(uow, m, "matter.taken", "taken", actor.id, now, note, m.level, from_status)
    return m


def resolve(uow, actor: Actor, matter_id: int, note: str, now: datetime) -> Matter:
    m = load_matter(uow.session, matter_id)
    guarded(domain.check_resolve, actor, matter_state(m))
    if is_blank(note):  # the requester and the record must learn what was done
        raise DomainError("validation_failed", fields={"note": ["请写明办理结果"]})
    from_status = m.status
    m.status, m.resolved_at, m.resolved_level, m.resolution = Status.resolved.value, now, m.level, note
    m.handler_id = actor.id
    days = round((now - _aware(m.created_at)).total_seconds() / 86400, 3)
    record_step(
        uow, m, "matter.resolved", "resolved", actor.id, now, note, m.level, from_status, days_to_close=days
    )
    return m


def rate_matter(uow, actor: Actor, matter_id: int, rating: int, comment: str, now: datetime) -> Matter:
    m = load_matter(uow.session, matter_id)
    guarded(domain.check_rate, actor, matter_state(m))
    m.status, m.rating, m.rating_comment = Status.rated.value, rating, comment
    record_step(
        uow, m, "matter.rated", "rated", actor.id, now, comment, m.level, Status.resolved.value, rating=rating
    )
    return m


def platform_staff(actor: Actor) -> bool:
    """Staff of a township-level department (the township platform, 四平台)."""
    return actor.has("department_staff") and any(len(domain.path_ids(p)) == 2 for p in actor.scope)


def _overdue(now: datetime):
    return (
        select(Matter)
        .where(Matter.status.in_([Status.open.value, Status.taken.value]), Matter.deadline < now)
        .where((Matter.level != Level.department.value) | ~Matter.overdue_alerted)
    )


def overdue_grids(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """The grids of the matters past their deadline, read without locks: their contacts are
    looked up (over RPC) before any row is locked."""
    query = _overdue(now).with_only_columns(Matter.grid_id).order_by(Matter.deadline).limit(limit)
    return sorted({g for g in session.scalars(query) if g is not None})


def overdue(session: Session, now: datetime, limit: int = 500) -> list[Matter]:
    """Open or taken matters past their deadline, locked so replicas never handle one twice
    (what another replica holds is skipped; what changed meanwhile no longer matches)."""
    query = _overdue(now).order_by(Matter.deadline).limit(limit).with_for_update(skip_locked=True)
    return list(session.scalars(query))


def escalate_overdue(uow, matters: list[Matter], contacts: dict[int, GridContact], now: datetime) -> dict:
    """Past its deadline a matter climbs by itself; at the top it raises an alert once."""
    escalated, alerts = [], []
    for m in matters:
        contact = contacts.get(m.grid_id)
        from_level, from_status = m.level, m.status
        overdue_at = Level(m.level)
        to = domain.NEXT_LEVEL[overdue_at]
        if to is not None:
            previous_handler = m.handler_id
            climb(uow, m, to, contact, now)
            m.auto_escalations += 1
            record_step(
                uow,
                m,
                "matter.escalated",
                "escalated",
                None,
                now,
                f"超过{LEVEL_LABELS[overdue_at]}时限,自动上报",
                from_level,
                from_status,
                reason="deadline",
            )
            escalated.append(m.id)
            people = [previous_handler, m.handler_id, *(contact.village_secretaries if contact else [])]
        else:
            m.overdue_alerted = True
            people = [m.handler_id]
        alert = raise_alert(
            uow,
            kind="matter_overdue",
            subject_kind="matter",
            subject_id=m.id,
            period=from_level,
            month=m.month,
            value=None,
            threshold=None,
            person_ids=[p for p in dict.fromkeys(people) if p],
            message=f"事项“{m.title}”已超过{LEVEL_LABELS[overdue_at]}办理时限"
            + ("" if to is None else f",已自动上报至{LEVEL_LABELS[to]}"),
            org_path=m.org_path,
            place={"grid_id": m.grid_id, "village_id": m.village_id, "township_id": m.township_id},
            now=now,
        )
        if alert is not None:
            alerts.append(alert.id)
    return {"escalated": escalated, "alerts": alerts}
