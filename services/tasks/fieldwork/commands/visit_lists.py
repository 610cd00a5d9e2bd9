"""The month's visit lists: one per linked member, one item per household."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select

from common.events import DomainEvent
from services.tasks.fieldwork.models import MemberLink, VisitList, VisitListItem
from services.tasks.fieldwork.storage import SERVICE, _insert


def generate_lists(uow, month: str, now: datetime) -> dict:
    """Every linked member's list for `month`, set-based: one INSERT … SELECT for the
    households, one for the per-member lists, then one event per newly issued list.
    Running it again adds only what is missing and emits nothing twice."""
    session = uow.session
    src = select(
        literal(month),
        MemberLink.member_id,
        MemberLink.household_id,
        MemberLink.grid_id,
        MemberLink.village_id,
        MemberLink.township_id,
        MemberLink.org_path,
    ).where(MemberLink.active)
    cols = ["month", "member_id", "household_id", "grid_id", "village_id", "township_id", "org_path"]
    added = session.execute(
        _insert(session, VisitListItem)
        .from_select(cols, src)
        .on_conflict_do_nothing(index_elements=["month", "member_id", "household_id"])
    ).rowcount

    per_member = (
        select(
            literal(month),
            VisitListItem.member_id,
            func.count(),
            func.min(VisitListItem.grid_id),
            func.min(VisitListItem.village_id),
            func.min(VisitListItem.township_id),
            func.min(VisitListItem.org_path),
            literal(now),
        )
        .where(VisitListItem.month == month)
        .group_by(VisitListItem.member_id)
    )
    issued = session.execute(
        _insert(session, VisitList)
        .from_select(
            [
                "month",
                "member_id",
                "households",
                "grid_id",
                "village_id",
                "township_id",
                "org_path",
                "issued_at",
            ],
            per_member,
        )
        .on_conflict_do_nothing(index_elements=["month", "member_id"])
        .returning(
            VisitList.id,
            VisitList.member_id,
            VisitList.households,
            VisitList.grid_id,
            VisitList.village_id,
            VisitList.township_id,
            VisitList.org_path,
        )
    ).all()
    events = [
        DomainEvent(
            service=SERVICE,
            name="visit_list.issued",
            data={
                "member_id": member_id,
                "month": month,
                "households": households,
                "grid_id": grid_id,
                "village_id": village_id,
                "township_id": township_id,
            },
            subject=f"visit-lists/{month}/{member_id}",
            org_path=org_path,
            time=now,
        )
        for _, member_id, households, grid_id, village_id, township_id, org_path in issued
    ]
    uow.emit_many(events)
    total = session.scalar(
        select(func.count()).select_from(VisitListItem).where(VisitListItem.month == month)
    )
    return {"month": month, "members": len(issued), "items": int(added or 0), "total_items": int(total or 0)}
