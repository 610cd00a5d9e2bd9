"""notify service: personal inboxes, deliveries (in-app, webhooks, push adapters),
subscriptions of outside systems, and the event store for replay.

Entrypoints only translate and hold the transaction; decisions live in domain.py and
the rule table in rules.py.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, date, datetime, timedelta, timezone

from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy, rpc
from nameko.timer import Timer
from sqlalchemy import func, select, update

from common.contracts import notify as contracts
from common.contracts.base import load, schema
from common.db import Database
from common.egress import require_allowed
from common.errors import DomainError, not_found
from common.events import DomainEvent, to_cloudevent, utcnow
from common.remote import call
from common.scope import Actor
from common.storage import in_scope
from services.notify import domain
from services.notify.adapters import DeliveryFailed, PushMessage, adapter_from_config, post_webhook
from services.notify.consumer import on_events
from services.notify.models import (
    Base,
    Delivery,
    Digest,
    Notification,
    OutboxMessage,
    ProcessedEvent,
    StoredEvent,
    Subscription,
)
from services.notify.refs import inbox_item

log = logging.getLogger(__name__)
expected = (DomainError,)

RULES = domain.load_rules()
# grids' people look-up takes an actor; the bus is trusted, so notify asks as the whole tree
LEASE = timedelta(minutes=5)  # a claimed delivery is retried after this if its sender died
DUE_BATCH = 100


class ConfigTimer(Timer):
    """A timer whose interval comes from the nameko config (tests slow it down)."""

    def __init__(self, config_key: str, default: float, **kwargs):
        self.config_key = config_key
        super().__init__(interval=default, **kwargs)

    def setup(self) -> None:
        self.interval = float(self.container.config.get(self.config_key, self.interval))


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite hands back naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def _parse_now(now: str | None) -> datetime:
    if not now:
        return utcnow()
    try:
        return _as_utc(datetime.fromisoformat(now))
    except ValueError as exc:
        raise DomainError("validation_failed", fields={"now": ["应为 ISO 8601 时间"]}) from exc


def _page(items: list, total: int, q: dict) -> dict:
    return {"items": items, "meta": {"page": q["page"], "per_page": q["per_page"], "total": total}}


class NotifyService:
    name = "notify"

    db = Database(Base, OutboxMessage, ProcessedEvent)
    grids = RpcProxy("grids")
    config = Config()

    @rpc
    def ping(self) -> str:
        return "pong"

    # -- consuming the event stream ------------------------------------------------------

    @on_events(domain.binding_patterns(RULES))
    def on_domain_event(self, event: dict) -> None:
        """Inbox lines for the people an event concerns, as the rule table decides."""
        data = event.get("data") or {}
        people: list[domain.Notice] = []
        for rule in domain.rules_for(RULES, event["type"], data):
            named, queries = domain.plan(rule, data)
            people += domain.notices(rule, data, named + self._resolve(queries))
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "notify.on_domain_event"):
                return
            self._store_notices(uow, event, people)
            uow.commit()

    @on_events(["#"])
    def on_any_event(self, event: dict) -> None:
        """Archive every event for replay, and queue it for the subscriptions that want it."""
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "notify.on_any_event"):
                return
            s = uow.session
            s.add(
                StoredEvent(
                    event_id=event["id"],
                    type=event["type"],
                    source=event.get("source", ""),
                    subject=event.get("subject") or "",
                    org_path=event.get("orgpath") or "",
                    time=_parse_now(event.get("time")),
                    data=event.get("data") or {},
                )
            )
            now = utcnow()
            for sub in s.scalars(select(Subscription).where(Subscription.active)).all():
                if not domain.wants(sub.event_types, sub.org_path, event["type"], event.get("orgpath")):
                    continue
                if (event.get("data") or {}).get("subscription_id") == sub.id and event["type"].startswith(
                    "grassroots.notify.delivery."
                ):
                    continue  # never tell a failing endpoint about its own failures in a loop
                s.add(
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
            uow.commit()

    def _resolve(self, queries: list[domain.RoleQuery]) -> list[int]:
        ids: list[int] = []
        for q in queries:
            if q.level == "grid":
                found = call(self.grids, "grids", "responsible_for_grid", q.unit_id)
                ids += [int(i) for i in found.get(q.what, [])]
            elif q.level == "department":
                found = call(self.grids, "grids", "department_staff", [q.unit_id])
                ids += [int(i) for i in found.get(str(q.unit_id), [])]
            else:
                found = call(self.grids, "grids", "role_holders", q.what, [q.unit_id])
                ids += [int(i) for i in found.get(str(q.unit_id), [])]
        return ids

    def _store_notices(self, uow, event: dict, notices: list[domain.Notice]) -> None:
        config = self.config
        quiet = domain.QuietHours.parse(
            config.get("NOTIFY_QUIET_HOURS"), float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))
        )
        adapter = adapter_from_config(config)
        now = utcnow()
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
            uow.session.add(
                Delivery(
                    channel=adapter.name,
                    person_id=notice.person_id,
                    event_id=event["id"],
                    event_type=event["type"],
                    target=adapter.target(),
                    payload={"title": notice.title, "text": notice.body},
                    status="pending",
                    attempts=0,
                    # in-app is stored now; the push waits for the end of quiet hours
                    next_attempt_at=quiet.next_end(now) if quiet and quiet.covers(now) else now,
                )
            )

    # -- the inbox ------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def inbox(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.InboxQuery), query)
        with self.db() as uow:
            mine = select(Notification).where(Notification.person_id == actor["id"])
            if q["unread"]:
                mine = mine.where(Notification.read_at.is_(None))
            if q["kind"]:
                mine = mine.where(Notification.kind == q["kind"])
            total = uow.session.scalar(select(func.count()).select_from(mine.subquery()))
            unread = uow.session.scalar(
                select(func.count()).where(
                    Notification.person_id == actor["id"], Notification.read_at.is_(None)
                )
            )
            rows = uow.session.scalars(
                mine.order_by(Notification.id.desc())
                .limit(q["per_page"])
                .offset((q["page"] - 1) * q["per_page"])
            ).all()
            return schema(contracts.InboxPage).dump(
                {
                    "items": [inbox_item(row) for row in rows],
                    "unread": unread,
                    "meta": {"page": q["page"], "per_page": q["per_page"], "total": total},
                }
            )

    @rpc(expected_exceptions=expected)
    def inbox_counts(self, actor: dict) -> dict:
        with self.db() as uow:
            s = uow.session
            total = s.scalar(select(func.count()).where(Notification.person_id == actor["id"]))
            by_kind = dict(
                s.execute(
                    select(Notification.kind, func.count())
                    .where(Notification.person_id == actor["id"], Notification.read_at.is_(None))
                    .group_by(Notification.kind)
                ).all()
            )
            return {"total": total, "unread": sum(by_kind.values()), "unread_by_kind": by_kind}

    @rpc(expected_exceptions=expected)
    def mark_read(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MarkRead), payload)
        return self._mark(actor, Notification.id.in_(data["ids"]), everything=False)

    @rpc(expected_exceptions=expected)
    def mark_all_read(self, actor: dict) -> dict:
        return self._mark(actor, None, everything=True)

    def _mark(self, actor: dict, which, everything: bool) -> dict:
        person_id = int(actor["id"])
        with self.db() as uow:
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
            uow.commit()
            return {"marked": marked}

    # -- subscriptions of outside systems ---------------------------------------------

    @rpc(expected_exceptions=expected)
    def create_subscription(self, actor: dict, payload: dict) -> dict:
        who = Actor.from_dict(actor)
        data = load(schema(contracts.SubscriptionCreate), payload)
        org_path = domain.subscription_scope(who, data["org_path"])
        require_allowed(data["url"])  # checked again at every delivery (DNS may change)
        with self.db() as uow:
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
            uow.emit(self._subscription_event("subscription.created", sub, who))
            uow.commit()
            return schema(contracts.SubscriptionCreated).dump(sub)

    @rpc(expected_exceptions=expected)
    def subscriptions(self, actor: dict, query: dict | None = None) -> dict:
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.PagedQuery), query)
        with self.db() as uow:
            rows = uow.session.scalars(select(Subscription).order_by(Subscription.id)).all()
            mine = [r for r in rows if who.covers(r.org_path)]
            start = (q["page"] - 1) * q["per_page"]
            items = schema(contracts.Subscription, many=True).dump(mine[start : start + q["per_page"]])
            return _page(items, len(mine), q)

    @rpc(expected_exceptions=expected)
    def end_subscription(self, actor: dict, subscription_id: int) -> dict:
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        with self.db() as uow:
            sub = self._subscription_in_scope(uow, who, subscription_id)
            if sub.active:
                sub.active, sub.ended_at = False, utcnow()
                uow.session.execute(
                    update(Delivery)
                    .where(Delivery.subscription_id == sub.id, Delivery.status == "pending")
                    .values(status="cancelled", next_attempt_at=None)
                )
                uow.emit(self._subscription_event("subscription.ended", sub, who))
                uow.commit()
            return schema(contracts.Subscription).dump(sub)

    @rpc(expected_exceptions=expected)
    def deliveries(self, actor: dict, subscription_id: int, query: dict | None = None) -> dict:
        """The delivery log of one subscription, newest first."""
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.DeliveryQuery), query)
        with self.db() as uow:
            self._subscription_in_scope(uow, who, subscription_id)
            rows = select(Delivery).where(Delivery.subscription_id == subscription_id)
            if q["status"]:
                rows = rows.where(Delivery.status == q["status"])
            total = uow.session.scalar(select(func.count()).select_from(rows.subquery()))
            page = uow.session.scalars(
                rows.order_by(Delivery.id.desc()).limit(q["per_page"]).offset((q["page"] - 1) * q["per_page"])
            ).all()
            return _page(schema(contracts.Delivery, many=True).dump(page), total, q)

    def _subscription_in_scope(self, uow, who: Actor, subscription_id: int) -> Subscription:
        sub = uow.session.get(Subscription, int(subscription_id))
        if sub is None or not domain.may_manage(who, sub.org_path):
            raise not_found("订阅", "subscription")
        return sub

    @staticmethod
    def _subscription_event(name: str, sub: Subscription, who: Actor) -> DomainEvent:
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

    # -- replay -------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def replay(self, actor: dict, query: dict | None = None) -> dict:
        """Past events in arrival order, inside the caller's scope: by time range and/or
        after the id of the last event already seen."""
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.ReplayQuery), query)
        with self.db() as uow:
            s = uow.session
            rows = select(StoredEvent)
            if q["after"]:
                seq = s.scalar(select(StoredEvent.seq).where(StoredEvent.event_id == q["after"]))
                if seq is None:
                    raise not_found("事件", "event")
                rows = rows.where(StoredEvent.seq > seq)
            if q["since"]:
                rows = rows.where(StoredEvent.time >= q["since"])
            if q["until"]:
                rows = rows.where(StoredEvent.time < q["until"])
            pattern = q["type"]
            if pattern and "*" not in pattern and "#" not in pattern:
                rows = rows.where(StoredEvent.type == pattern)
            elif pattern and pattern.endswith(".#") and not any(c in pattern[:-2] for c in "*#"):
                rows = rows.where(StoredEvent.type.startswith(pattern[:-1], autoescape=True))
            if not who.scope:
                return {"items": [], "next_after": None}
            rows = rows.where(in_scope(StoredEvent.org_path, who.scope)).order_by(StoredEvent.seq)
            # a pattern SQL cannot express is applied here, over a bounded scan
            scan = q["limit"] * 4 if pattern else q["limit"]
            items, last, scanned = [], None, 0
            for row in s.scalars(rows.limit(scan)):
                scanned, last = scanned + 1, row.event_id
                if pattern and not domain.topic_matches(pattern, row.type):
                    continue
                items.append(self._cloudevent(row))
                if len(items) == q["limit"]:
                    break
            more = len(items) == q["limit"] or scanned == scan
            return {"items": items, "next_after": last if more else None}

    @staticmethod
    def _cloudevent(row: StoredEvent) -> dict:
        return to_cloudevent(
            id=row.event_id,
            type=row.type,
            source=row.source,
            time=_as_utc(row.time),
            subject=row.subject,
            data=row.data,
            org_path=row.org_path,
        )

    # -- sending: webhooks and push, with retries -----------------------------------------

    @ConfigTimer.decorator("NOTIFY_DELIVERY_SECONDS", 5.0)
    def deliver_tick(self) -> None:
        self.deliver_due(None)

    @rpc(expected_exceptions=expected)
    def deliver_due(self, now: str | None = None) -> dict:
        """Attempt every pending delivery due at `now` (default: the clock). Failures are
        retried with exponential backoff; after NOTIFY_MAX_ATTEMPTS they are dead letters."""
        moment = _parse_now(now)
        config = self.config
        max_attempts = int(config.get("NOTIFY_MAX_ATTEMPTS", 6))
        base = float(config.get("NOTIFY_BACKOFF_SECONDS", 30))
        cap = float(config.get("NOTIFY_BACKOFF_MAX_SECONDS", 3600))
        quiet = domain.QuietHours.parse(
            config.get("NOTIFY_QUIET_HOURS"), float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))
        )
        adapter = adapter_from_config(config)

        # 1. claim what is due (a lease, so a crashed sender's rows come back later)
        with self.db() as uow:
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
            uow.commit()

        # 2. send, outside any transaction
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

        # 3. record the outcomes
        summary = {"attempted": 0, "delivered": 0, "retrying": 0, "dead": 0, "deferred": 0}
        with self.db() as uow:
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
                elif d.attempts >= max_attempts:
                    d.status, d.next_attempt_at = "dead", None
                    summary["dead"] += 1
                    uow.emit(
                        DomainEvent(
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
                            org_path=self._delivery_path(uow, d),
                        )
                    )
                else:
                    d.next_attempt_at = moment + domain.backoff(d.attempts, base, cap)
                    summary["retrying"] += 1
            uow.commit()
        return summary

    @staticmethod
    def _delivery_path(uow, d: Delivery) -> str:
        if d.subscription_id is not None:
            sub = uow.session.get(Subscription, d.subscription_id)
            return sub.org_path if sub else ""
        return (d.payload or {}).get("orgpath", "") if d.channel == "webhook" else ""

    # -- the daily digest ------------------------------------------------------------------

    @ConfigTimer.decorator("NOTIFY_DIGEST_CHECK_SECONDS", 3600.0)
    def digest_tick(self) -> None:
        config = self.config
        tz = timezone(timedelta(hours=float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))))
        local = utcnow().astimezone(tz)
        if local.hour >= int(config.get("NOTIFY_DIGEST_HOUR", 8)):
            self.digest_send((local.date() - timedelta(days=1)).isoformat())

    @rpc(expected_exceptions=expected)
    def digest_send(self, day: str) -> dict:
        """One push per person summarising their notifications of local `day` still unread;
        built once per person and day."""
        try:
            the_day = date.fromisoformat(day)
        except (TypeError, ValueError) as exc:
            raise DomainError("validation_failed", fields={"day": ["应为 YYYY-MM-DD"]}) from exc
        config = self.config
        tz = timezone(timedelta(hours=float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))))
        start, end = domain.local_day_bounds(the_day, tz)
        adapter = adapter_from_config(config)
        now = utcnow()
        with self.db() as uow:
            s = uow.session
            rows = s.execute(
                select(Notification.person_id, Notification.kind, Notification.title)
                .where(
                    Notification.read_at.is_(None),
                    Notification.created_at >= start,
                    Notification.created_at < end,
                )
                .order_by(Notification.person_id, Notification.id)
            ).all()
            by_person: dict[int, list[tuple[str, str]]] = {}
            for person_id, kind, title in rows:
                by_person.setdefault(person_id, []).append((kind, title))
            done = set(s.scalars(select(Digest.person_id).where(Digest.day == day)).all())
            sent = 0
            for person_id, items in by_person.items():
                if person_id in done:
                    continue
                title, text = domain.digest_text(the_day, items)
                s.add(Digest(person_id=person_id, day=day, count=len(items), created_at=now))
                s.add(
                    Delivery(
                        channel=adapter.name,
                        person_id=person_id,
                        target=adapter.target(),
                        payload={"title": title, "text": text},
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
                uow.emit(
                    DomainEvent(
                        "notify",
                        "digest.sent",
                        {"person_id": person_id, "day": day, "count": len(items)},
                        subject=f"people/{person_id}/digests/{day}",
                    )
                )
                sent += 1
            uow.commit()
            return {"day": day, "people": sent}
