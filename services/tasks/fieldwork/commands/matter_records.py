"""What every change to a matter on the ladder shares: loading it under a lock, its ledger
line, its event, the step it records and the ladder's refusals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, conflict, not_found
from common.events import DomainEvent
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.domain import LadderError, Level, Source, Status
from services.tasks.fieldwork.models import GridContact, LedgerEntry, Matter
from services.tasks.fieldwork.settings_store import settings_for
from services.tasks.fieldwork.storage import SERVICE, _iso


def _conflict(error: LadderError) -> DomainError:
    return conflict(error.detail, error.detail_en)


def ledger_entry(session: Session, action: str, org_path: str, at: datetime, **fields) -> None:
    session.add(LedgerEntry(action=action, org_path=org_path, at=at, **fields))


def _matter_event(uow, name: str, m: Matter, actor_id: int | None, at: datetime, **extra) -> DomainEvent:
    data = {
        "matter_id": m.id,
        "title": m.title,
        "source": m.source,
        "level": m.level,
        "from_level": None,
        "status": m.status,
        "actor_id": actor_id,
        "handler_id": m.handler_id,
        "department_id": m.department_id,
        "member_id": m.member_id,
        "reporter_id": m.reporter_id,
        "deadline": _iso(m.deadline),
        "grid_id": m.grid_id,
        "village_id": m.village_id,
        "township_id": m.township_id,
        "household_id": m.household_id,
        "month": m.month,
    } | extra
    event = DomainEvent(
        service=SERVICE, name=name, data=data, subject=f"matters/{m.id}", org_path=m.org_path, time=at
    )
    uow.emit(event)
    return event


def record_step(
    uow, m: Matter, name: str, action: str, actor_id, at, note="", from_level=None, from_status=None, **extra
):
    """One ladder step: the event and its ledger line, together."""
    event = _matter_event(uow, name, m, actor_id, at, from_level=from_level, **extra)
    ledger_entry(
        uow.session,
        action,
        m.org_path,
        at,
        matter_id=m.id,
        visit_id=m.visit_id,
        actor_id=actor_id,
        from_level=from_level,
        to_level=m.level,
        from_status=from_status,
        to_status=m.status,
        note=note,
        event_id=event.id,
    )


def new_matter(
    uow,
    *,
    title: str,
    description: str,
    source: Source,
    contact: GridContact,
    now: datetime,
    handler_id: int | None,
    actor_id: int | None,
    kind: str = "text",
    **fields,
) -> Matter:
    deadlines, _ = settings_for(uow.session, domain.county_of(contact.org_path))
    place = domain.place_of(contact.org_path)
    m = Matter(
        title=title,
        description=description,
        source=source.value,
        kind=kind,
        level=Level.grid.value,
        status=Status.open.value,
        org_path=contact.org_path,
        month=domain.month_of(now),
        handler_id=handler_id,
        deadline=deadlines.deadline(Level.grid, now),
        level_since=now,
        created_at=now,
        **place,
        **fields,
    )
    uow.session.add(m)
    uow.session.flush()
    record_step(uow, m, "matter.reported", "reported", actor_id, now, note=description[:200])
    return m


def matter_state(m: Matter) -> domain.MatterState:
    return domain.MatterState(
        level=Level(m.level),
        status=Status(m.status),
        org_path=m.org_path,
        member_id=m.member_id,
        reporter_id=m.reporter_id,
        department_id=m.department_id,
        handler_id=m.handler_id,
    )


def load_matter(session: Session, matter_id: int, lock: bool = True) -> Matter:
    query = select(Matter).where(Matter.id == matter_id)
    if lock:
        query = query.with_for_update()
    m = session.scalar(query)
    if m is None:
        raise not_found("事项", "matter")
    return m


def guarded(check, *args):
    try:
        return check(*args)
    except LadderError as exc:
        raise _conflict(exc) from exc
    except PermissionError as exc:
        raise DomainError("forbidden") from exc


def climb(uow, m: Matter, to: Level, contact: GridContact | None, now: datetime) -> None:
    deadlines, _ = settings_for(uow.session, domain.county_of(m.org_path))
    m.level = to.value
    m.status = Status.open.value
    m.escalated = True
    m.level_since = now
    m.deadline = deadlines.deadline(to, now)
    m.department_id = None
    if to == Level.village:
        m.handler_id = (contact.village_secretaries or [None])[0] if contact else None
    else:
        m.handler_id = None  # the township platform picks the department
