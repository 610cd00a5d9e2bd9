"""Subscriptions of outside systems: made, listed and ended inside the manager's scope, each
with its delivery log; every event that one wants is queued for it as a signed webhook."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update

from common import paging
from common.egress import require_allowed
from common.errors import not_found
from common.events import DomainEvent, utcnow
from common.scope import Actor
from services.notify import domain
from services.notify.models import Delivery, Subscription


def checked_scope(who: Actor, data: dict) -> str:
    """Where the subscription may look, once its URL is allowed (before any transaction:
    the check resolves the name)."""
    org_path = domain.subscription_scope(who, data["org_path"])
    require_allowed(data["url"])  # checked again at every delivery (DNS may change)
    return org_path


def create(uow, who: Actor, data: dict, org_path: str) -> Subscription:
    sub = Subscription(
        name=data["name"],
        url=data["url"],
        secret=data["secret"] or secrets.token_hex(32),
        event_types=data["event_types"],
        org_path=org_path,
        active=True,
        created_by=who.id,
        created_at=utcnow(),
    )
    uow.session.add(sub)
    uow.session.flush()
    uow.emit(_event("subscription.created", sub, who))
    return sub


def visible(session, who: Actor) -> list[Subscription]:
    rows = session.scalars(select(Subscription).order_by(Subscription.id)).all()
    return [r for r in rows if who.covers(r.org_path)]


def end(uow, who: Actor, subscription_id: int) -> Subscription:
    """End it and cancel what it still waits for; ending an ended one changes nothing."""
    sub = in_scope(uow, who, subscription_id)
    if sub.active:
        sub.active, sub.ended_at = False, utcnow()
        uow.session.execute(
            update(Delivery)
            .where(Delivery.subscription_id == sub.id, Delivery.status == "pending")
            .values(status="cancelled", next_attempt_at=None)
        )
        uow.emit(_event("subscription.ended", sub, who))
    return sub


def deliveries(session, subscription_id: int, q: dict) -> tuple[list[Delivery], int]:
    """One page of a subscription's delivery log, newest first, and the total."""
    rows = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if q["status"]:
        rows = rows.where(Delivery.status == q["status"])
    total = session.scalar(select(func.count()).select_from(rows.subquery()))
    found = session.scalars(paging.window(rows.order_by(Delivery.id.desc()), q)).all()
    return found, total


def in_scope(uow, who: Actor, subscription_id: int) -> Subscription:
    sub = uow.session.get(Subscription, int(subscription_id))
    if sub is None or not domain.may_manage(who, sub.org_path):
        raise not_found("订阅", "subscription")
    return sub


def queue_webhooks(session, event: dict, now) -> None:
    """A pending webhook for every active subscription that wants the event."""
    for sub in session.scalars(select(Subscription).where(Subscription.active)).all():
        if not domain.wants(sub.event_types, sub.org_path, event["type"], event.get("orgpath")):
            continue
        if (event.get("data") or {}).get("subscription_id") == sub.id and event["type"].startswith(
            "grassroots.notify.delivery."
        ):
            continue  # never tell a failing endpoint about its own failures in a loop
        session.add(
            Delivery(
                channel="webhook",
                subscription_id=sub.id,
                event_id=event["id"],
                event_type=event["type"],
                target=sub.url,
                payload=event,
                status="pending",
                attempts=0,
                next_attempt_at=now,
            )
        )


def _event(name: str, sub: Subscription, who: Actor) -> DomainEvent:
    return DomainEvent(
        "notify",
        name,
        {
            "subscription_id": sub.id,
            "name": sub.name,
            "event_types": list(sub.event_types),
            "org_path": sub.org_path,
            "actor_id": who.id,
        },
        subject=f"subscriptions/{sub.id}",
        org_path=sub.org_path,
    )
