"""Items a phone queued while offline and may send more than once (a lost answer, a retry):
the client's key finds what the first send recorded, so the second records nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import conflict
from common.scope import Actor
from services.tasks.fieldwork.models import Matter, Visit


def recorded_visit(session: Session, actor: Actor, data: dict) -> tuple[Visit, list[int]] | None:
    """The member's visit sent earlier with this key, and the matters it raised."""
    if not data.get("client_key"):
        return None
    visit = session.scalar(
        select(Visit).where(Visit.member_id == actor.id, Visit.client_key == data["client_key"])
    )
    if visit is None:
        return None
    if visit.household_id != data["household_id"]:  # one key, one visit: a client bug, said plainly
        raise conflict(
            "这个发送编号已用于另一户的走访", "This client key was used for another household's visit."
        )
    matter_ids = list(
        session.scalars(select(Matter.id).where(Matter.visit_id == visit.id).order_by(Matter.id))
    )
    return visit, matter_ids


def mailed_letter(session: Session, actor: Actor, data: dict) -> Matter | None:
    """The resident's letter sent earlier with this key."""
    if not data.get("client_key"):
        return None
    return session.scalar(
        select(Matter).where(Matter.reporter_id == actor.id, Matter.client_key == data["client_key"])
    )
