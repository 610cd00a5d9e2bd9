"""The household's rating of a visit: a one-time code by SMS, resent a few times an hour, a
few wrong tries allowed."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import DomainError, not_found
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.commands.attempts import attempts_left, count_attempt
from services.tasks.fieldwork.commands.matter_records import ledger_entry
from services.tasks.fieldwork.models import RatingCode, Visit, VisitListItem
from services.tasks.fieldwork.storage import SERVICE, _aware

RATING_WINDOW_MINUTES = 15


CODE_RESENDS_PER_HOUR = 3


def issue_rating_code(session: Session, visit_id: int, household_id: int, now: datetime) -> str:
    code = domain.new_rating_code()
    session.add(
        RatingCode(
            code_hash=domain.hash_code(code),
            visit_id=visit_id,
            household_id=household_id,
            expires_at=now + timedelta(days=domain.CODE_DAYS),
            created_at=now,
        )
    )
    return code


def resend_rating_code(uow, actor: Actor, visit_id: int, now: datetime) -> tuple[Visit, str]:
    """The member who made the visit asks for a fresh code (the household lost the SMS, or
    it expired): the visit's earlier unused codes stop working. A few times an hour at most."""
    session = uow.session
    visit = session.get(Visit, visit_id, with_for_update=True)
    if visit is None or visit.member_id != actor.id:
        raise not_found("走访记录", "visit")
    if visit.rating is not None:
        raise DomainError("visit_already_rated")
    bucket, key = "rating_code_resend", str(visit_id)
    attempts_left(session, bucket, key, now, CODE_RESENDS_PER_HOUR, 60, refusal="too_many_requests")
    count_attempt(session, bucket, key, now, 60)
    session.execute(
        update(RatingCode)
        .where(RatingCode.visit_id == visit_id, RatingCode.used_at.is_(None), RatingCode.expires_at > now)
        .values(expires_at=now)
    )
    code = issue_rating_code(session, visit.id, visit.household_id, now)
    ledger_entry(session, "rating_code_resent", visit.org_path, now, visit_id=visit.id, actor_id=actor.id)
    return visit, code


def rating_failures_allowed() -> int:
    return int(os.environ.get("GOV_RATING_MAX_FAILURES", "10"))


def rate_visit(uow, client: str, data: dict, now: datetime) -> Visit | None:
    """The household rates a visit with its one-time code. None = refused (the caller
    commits the counted failure, then refuses)."""
    session = uow.session
    attempts_left(session, "rating", client, now, rating_failures_allowed(), RATING_WINDOW_MINUTES)
    code = session.scalar(
        select(RatingCode).where(RatingCode.code_hash == domain.hash_code(data["code"])).with_for_update()
    )
    visit = session.get(Visit, code.visit_id) if code else None
    if code is None or code.used_at is not None or _aware(code.expires_at) < now or visit.rating is not None:
        count_attempt(session, "rating", client, now, RATING_WINDOW_MINUTES)
        return None
    code.used_at = now
    visit.rating, visit.rating_comment, visit.rated_at = data["rating"], data["comment"], now
    session.execute(
        update(VisitListItem).where(VisitListItem.visit_id == visit.id).values(rating=data["rating"])
    )
    event = DomainEvent(
        service=SERVICE,
        name="visit.rated",
        data={
            "visit_id": visit.id,
            "member_id": visit.member_id,
            "household_id": visit.household_id,
            "month": visit.month,
            "rating": data["rating"],
            "grid_id": visit.grid_id,
            "village_id": visit.village_id,
            "township_id": visit.township_id,
        },
        subject=f"visits/{visit.id}",
        org_path=visit.org_path,
        time=now,
    )
    uow.emit(event)
    ledger_entry(
        session,
        "visit_rated",
        visit.org_path,
        now,
        visit_id=visit.id,
        note=data["comment"][:200],
        event_id=event.id,
    )
    return visit
