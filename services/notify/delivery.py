"""Deliveries: pushes to people and webhooks to outside systems, queued as rows and sent by
the delivery tick in three steps (claim, send outside any transaction, record), with
retries that back off and dead letters after the last attempt."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from common.events import DomainEvent
from services.notify import domain
from services.notify.adapters import DeliveryFailed, PushMessage, post_webhook
from services.notify.models import Delivery, Subscription
from services.notify.settings import Retries

LEASE = timedelta(minutes=5)  # a claimed delivery is retried after this if its sender died
DUE_BATCH = 100


def queue_push(session, adapter, person_id: int, title: str, text: str, at: datetime, event=None) -> None:
    """A push to one person through the configured adapter, due `at`."""
    session.add(
        Delivery(
            channel=adapter.name,
            person_id=person_id,
            event_id=event["id"] if event else None,
            event_type=event["type"] if event else None,
            target=adapter.target(),
            payload={"title": title, "text": text},
            status="pending",
            attempts=0,
            next_attempt_at=at,
        )
    )


def claim_due(uow, moment: datetime) -> list[tuple]:
    """Take what is due under a lease (a crashed sender's rows come back later); returns the
    jobs to send: (id, channel, target, payload, person_id, the subscription's secret)."""
    s = uow.session
    claim = (
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= moment)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(DUE_BATCH)
    )
    if s.get_bind().dialect.name == "postgresql":
        claim = claim.with_for_update(skip_locked=True)
    due = s.scalars(claim).all()
    secrets_by_sub = {
        sub.id: sub.secret
        for sub in s.scalars(
            select(Subscription).where(Subscription.id.in_({d.subscription_id for d in due}))
        )
    }
    jobs = [
        (d.id, d.channel, d.target, d.payload, d.person_id, secrets_by_sub.get(d.subscription_id))
        for d in due
    ]
    for d in due:
        d.next_attempt_at = moment + LEASE
    return jobs


def send(
    jobs: list[tuple], adapter, quiet, moment: datetime
) -> dict[int, tuple[str, int | None, str | None]]:
    """{delivery id: (outcome, HTTP status, error)}; pushes wait out quiet hours, webhooks do not."""
    outcomes: dict[int, tuple[str, int | None, str | None]] = {}
    for delivery_id, channel, target, payload, person_id, secret in jobs:
        try:
            if channel == "webhook":
                status = post_webhook(target, secret, payload, delivery_id)
                outcomes[delivery_id] = ("delivered", status, None)
            elif quiet and quiet.covers(moment):
                outcomes[delivery_id] = ("deferred", None, None)
            elif channel == adapter.name:
                adapter.send(PushMessage(person_id, payload["title"], payload["text"]))
                outcomes[delivery_id] = ("delivered", None, None)
            else:
                raise DeliveryFailed(f"channel {channel} is not configured")
        except DeliveryFailed as exc:
            outcomes[delivery_id] = ("failed", exc.status, exc.reason[:1000])
    return outcomes


def record(uow, outcomes: dict, moment: datetime, retries: Retries, quiet) -> dict:
    """Write each outcome: delivered, deferred, retried later, or dead (announced)."""
    summary = {"attempted": 0, "delivered": 0, "retrying": 0, "dead": 0, "deferred": 0}
    for delivery_id, (outcome, status, error) in outcomes.items():
        d = uow.session.get(Delivery, delivery_id)
        if outcome == "deferred":
            d.next_attempt_at = quiet.next_end(moment)
            summary["deferred"] += 1
            continue
        summary["attempted"] += 1
        d.attempts += 1
        d.last_status, d.last_error = status, error
        if outcome == "delivered":
            d.status, d.delivered_at, d.next_attempt_at = "delivered", moment, None
            summary["delivered"] += 1
        elif d.attempts >= retries.max_attempts:
            d.status, d.next_attempt_at = "dead", None
            summary["dead"] += 1
            uow.emit(_dead_lettered(uow, d, error))
        else:
            d.next_attempt_at = moment + domain.backoff(d.attempts, retries.base_seconds, retries.cap_seconds)
            summary["retrying"] += 1
    return summary


def _dead_lettered(uow, d: Delivery, error: str | None) -> DomainEvent:
    return DomainEvent(
        "notify",
        "delivery.dead_lettered",
        {
            "delivery_id": d.id,
            "channel": d.channel,
            "subscription_id": d.subscription_id,
            "person_id": d.person_id,
            "cause_id": d.event_id,
            "attempts": d.attempts,
            "last_error": error,
        },
        subject=f"deliveries/{d.id}",
        org_path=_delivery_path(uow, d),
    )


def _delivery_path(uow, d: Delivery) -> str:
    if d.subscription_id is not None:
        sub = uow.session.get(Subscription, d.subscription_id)
        return sub.org_path if sub else ""
    return (d.payload or {}).get("orgpath", "") if d.channel == "webhook" else ""
