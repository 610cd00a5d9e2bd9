"""Personal inboxes: who an event concerns (the rule table, with grids answering for role
holders), the lines stored for them with their push deliveries, and the reader's side."""

from __future__ import annotations

from sqlalchemy import func, select, update

from common import paging
from common.events import DomainEvent, utcnow
from common.remote import call
from services.notify import domain
from services.notify.delivery import queue_push
from services.notify.models import Notification
from services.notify.refs import inbox_item


def notices_for(grids, rules: list[domain.Rule], event: dict) -> list[domain.Notice]:
    """The inbox lines an event makes, as the rule table decides. Asked before the unit of
    work: grids' answers come over RPC."""
    data = event.get("data") or {}
    notices: list[domain.Notice] = []
    for rule in domain.rules_for(rules, event["type"], data):
        named, queries = domain.plan(rule, data)
        notices += domain.notices(rule, data, named + _resolve(grids, queries))
    return notices


def _resolve(grids, queries: list[domain.RoleQuery]) -> list[int]:
    ids: list[int] = []
    for q in queries:
        if q.level == "grid":
            found = call(grids, "grids", "responsible_for_grid", q.unit_id)
            ids += [int(i) for i in found.get(q.what, [])]
        elif q.level == "department":
            found = call(grids, "grids", "department_staff", [q.unit_id])
            ids += [int(i) for i in found.get(str(q.unit_id), [])]
        else:
            found = call(grids, "grids", "role_holders", q.what, [q.unit_id])
            ids += [int(i) for i in found.get(str(q.unit_id), [])]
    return ids


def store_notices(uow, event: dict, notices: list[domain.Notice], adapter, quiet) -> None:
    now = utcnow()
    # in-app is stored now; the push waits for the end of quiet hours
    push_at = quiet.next_end(now) if quiet and quiet.covers(now) else now
    for notice in notices:
        row = Notification(
            person_id=notice.person_id,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            event_id=event["id"],
            event_type=event["type"],
            subject=event.get("subject") or "",
            created_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.emit(
            DomainEvent(
                "notify",
                "notification.created",
                {
                    "notification_id": row.id,
                    "person_id": notice.person_id,
                    "kind": notice.kind,
                    "cause_id": event["id"],
                    "cause_type": event["type"],
                },
                subject=f"notifications/{row.id}",
                org_path=event.get("orgpath") or "",
            )
        )
        queue_push(uow.session, adapter, notice.person_id, notice.title, notice.body, push_at, event)


def page(session, person_id: int, q: dict) -> dict:
    mine = select(Notification).where(Notification.person_id == person_id)
    if q["unread"]:
        mine = mine.where(Notification.read_at.is_(None))
    if q["kind"]:
        mine = mine.where(Notification.kind == q["kind"])
    total = session.scalar(select(func.count()).select_from(mine.subquery()))
    unread = session.scalar(
        select(func.count()).where(Notification.person_id == person_id, Notification.read_at.is_(None))
    )
    rows = session.scalars(paging.window(mine.order_by(Notification.id.desc()), q)).all()
    return {**paging.page_of([inbox_item(row) for row in rows], total, q), "unread": unread}


def counts(session, person_id: int) -> dict:
    total = session.scalar(select(func.count()).where(Notification.person_id == person_id))
    by_kind = dict(
        session.execute(
            select(Notification.kind, func.count())
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
            .group_by(Notification.kind)
        ).all()
    )
    return {"total": total, "unread": sum(by_kind.values()), "unread_by_kind": by_kind}


def mark_read(uow, person_id: int, which, everything: bool) -> int:
    """Mark the person's unread lines (`which` of them, or all) read; returns how many."""
    statement = update(Notification).where(
        Notification.person_id == person_id, Notification.read_at.is_(None)
    )
    if which is not None:
        statement = statement.where(which)
    marked = uow.session.execute(statement.values(read_at=utcnow())).rowcount
    if marked:
        uow.emit(
            DomainEvent(
                "notify",
                "notifications.read",
                {"person_id": person_id, "count": marked, "all": everything},
                subject=f"people/{person_id}/inbox",
            )
        )
    return marked
