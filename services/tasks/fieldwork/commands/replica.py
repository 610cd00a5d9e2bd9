"""Fieldwork's replicas of what grids owns: member-household links and grid contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.tasks.fieldwork.models import GridContact, MemberLink, VisitList, VisitListItem
from services.tasks.fieldwork.storage import _insert


def apply_links(session: Session, rows: list[dict], now: datetime) -> int:
    """Upsert a page of `links_snapshot` rows (or one link from an event) as active."""
    if not rows:
        return 0
    values = [
        {
            "link_id": r["id"],
            "member_id": r["source_id"],
            "household_id": r["target_id"],
            "grid_id": r.get("grid_id"),
            "village_id": r.get("village_id"),
            "township_id": r.get("township_id"),
            "org_path": r.get("org_path") or "",
            "active": True,
            "synced_at": now,
        }
        for r in rows
    ]
    stmt = _insert(session, MemberLink)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MemberLink.link_id],
        set_={
            c: stmt.excluded[c]
            for c in ("grid_id", "village_id", "township_id", "org_path", "active", "synced_at")
        },
    )
    session.execute(stmt, values)
    return len(values)


def end_links_not_seen(session: Session, since: datetime) -> int:
    """After a full snapshot: links grids no longer lists have ended."""
    result = session.execute(
        update(MemberLink).where(MemberLink.active, MemberLink.synced_at < since).values(active=False)
    )
    return result.rowcount or 0


def end_link(session: Session, link_id: int) -> None:
    session.execute(update(MemberLink).where(MemberLink.link_id == link_id).values(active=False))


def add_link_to_current_list(session: Session, link: dict, month: str) -> int:
    """A link made mid-month joins that month's list if the list was already issued."""
    issued = session.scalar(
        select(VisitList.id).where(VisitList.month == month, VisitList.member_id == link["source_id"])
    )
    if issued is None:
        return 0
    stmt = (
        _insert(session, VisitListItem)
        .values(
            month=month,
            member_id=link["source_id"],
            household_id=link["target_id"],
            grid_id=link.get("grid_id"),
            village_id=link.get("village_id"),
            township_id=link.get("township_id"),
            org_path=link.get("org_path") or "",
        )
        .on_conflict_do_nothing(index_elements=["month", "member_id", "household_id"])
    )
    added = session.execute(stmt).rowcount or 0
    if added:
        session.execute(
            update(VisitList).where(VisitList.id == issued).values(households=VisitList.households + added)
        )
    return added


def save_contacts(session: Session, found: list[dict], now: datetime) -> None:
    if not found:
        return
    stmt = _insert(session, GridContact)
    stmt = stmt.on_conflict_do_update(
        index_elements=[GridContact.grid_id],
        set_={
            c: stmt.excluded[c]
            for c in (
                "village_id",
                "org_path",
                "grid_workers",
                "cadres",
                "village_secretaries",
                "refreshed_at",
            )
        },
    )
    session.execute(
        stmt,
        [
            {
                "grid_id": r["grid_id"],
                "village_id": r.get("village_id"),
                "org_path": r["org_path"],
                "grid_workers": r.get("grid_workers", []),
                "cadres": r.get("cadres", []),
                "village_secretaries": r.get("village_secretaries", []),
                "refreshed_at": now,
            }
            for r in found
        ],
    )
