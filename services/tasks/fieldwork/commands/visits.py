"""Recording a household visit, with its attachments and the needs it raised."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from common.errors import DomainError
from common.events import DomainEvent
from common.scope import Actor
from common.text import is_blank
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.commands.attachment_intake import check_attachments
from services.tasks.fieldwork.commands.matter_records import ledger_entry, new_matter
from services.tasks.fieldwork.commands.ratings import issue_rating_code
from services.tasks.fieldwork.domain import Source
from services.tasks.fieldwork.models import GridContact, MemberLink, Visit, VisitListItem
from services.tasks.fieldwork.storage import SERVICE


def record_visit(
    uow, actor: Actor, data: dict, contact: GridContact | None, now: datetime
) -> tuple[Visit, list, str | None]:
    """The member records a visit; needs become matters; a rating code is made for the household.
    Returns the visit, its matters and the plain code (to send after commit; only its hash is kept;
    None when the household was already asked to rate a visit this month)."""
    actor.require("member")
    session = uow.session
    link = session.scalar(
        select(MemberLink).where(
            MemberLink.member_id == actor.id,
            MemberLink.household_id == data["household_id"],
            MemberLink.active,
        )
    )
    if link is None:
        raise DomainError("forbidden")  # only households linked to this member
    visited_at = data["visited_at"] or now
    if visited_at > now + timedelta(minutes=5):
        raise DomainError("validation_failed", fields={"visited_at": ["走访时间不能晚于当前时间"]})
    if visited_at < now - timedelta(days=62):
        raise DomainError("validation_failed", fields={"visited_at": ["只能补录两个月内的走访"]})
    check_attachments(session, actor, data["attachment_ids"])
    if is_blank(data["notes"]) and not data["attachment_ids"] and not data["needs"]:
        raise DomainError("validation_failed", fields={"notes": ["请写下走访情况,或附上照片"]})
    month = domain.month_of(visited_at)
    # a household is asked to rate once a month: a second visit sends no second SMS
    asked_this_month = session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(Visit.household_id == link.household_id, Visit.month == month)
    )
    item = session.scalar(
        select(VisitListItem)
        .where(
            VisitListItem.month == month,
            VisitListItem.member_id == actor.id,
            VisitListItem.household_id == link.household_id,
        )
        .with_for_update()
    )
    visit = Visit(
        month=month,
        member_id=actor.id,
        household_id=link.household_id,
        grid_id=link.grid_id,
        village_id=link.village_id,
        township_id=link.township_id,
        org_path=link.org_path,
        visited_at=visited_at,
        recorded_at=now,
        notes=data["notes"],
        attachment_ids=data["attachment_ids"],
        on_time=item is not None,
        needs_raised=len(data["needs"]),
        client_key=data.get("client_key"),
        latitude=(data.get("location") or {}).get("lat"),
        longitude=(data.get("location") or {}).get("lng"),
    )
    session.add(visit)
    session.flush()
    if item is not None and item.visit_id is None:
        item.visit_id, item.visited_at = visit.id, visited_at
    event = DomainEvent(
        service=SERVICE,
        name="visit.recorded",
        data={
            "visit_id": visit.id,
            "member_id": actor.id,
            "household_id": link.household_id,
            "month": month,
            "visited_at": visited_at.isoformat(),
            "on_time": visit.on_time,
            "needs_raised": visit.needs_raised,
            "grid_id": link.grid_id,
            "village_id": link.village_id,
            "township_id": link.township_id,
        },
        subject=f"visits/{visit.id}",
        org_path=link.org_path,
        time=now,
    )
    uow.emit(event)
    ledger_entry(
        session, "visit_recorded", link.org_path, now, visit_id=visit.id, actor_id=actor.id, event_id=event.id
    )
    matters = []
    for need in data["needs"]:
        if contact is None:
            raise DomainError("service_unavailable", {"service": "grids"})
        matters.append(
            new_matter(
                uow,
                title=need["title"],
                description=need["description"],
                source=Source.visit,
                contact=contact,
                now=now,
                handler_id=actor.id,  # 微事快办: the member first
                actor_id=actor.id,
                visit_id=visit.id,
                household_id=link.household_id,
                member_id=actor.id,
            )
        )
    code = None if asked_this_month else issue_rating_code(session, visit.id, link.household_id, now)
    return visit, matters, code
