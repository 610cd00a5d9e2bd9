"""notify service: personal inboxes, deliveries (in-app, webhooks, push adapters),
subscriptions of outside systems, and the event store for replay.

Entrypoints only translate and hold the transaction: who is told what is decided by the
rule table (rules.py, domain.py), the work is done in inbox, subscriptions, event_store,
delivery and digest.
"""

from __future__ import annotations

import logging

from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy, rpc
from nameko.timer import Timer

from common import paging, process
from common.contracts import notify as contracts
from common.contracts.base import load, schema
from common.db import Database
from common.errors import DomainError
from common.events import utcnow
from common.scope import Actor
from services.notify import delivery, digest, domain, event_store, inbox, settings, subscriptions
from services.notify.adapters import adapter_from_config
from services.notify.consumer import on_events
from services.notify.models import Base, Notification, OutboxMessage, ProcessedEvent, StoredEvent

process.start()  # this process is a service: set it up (common/process.py)

log = logging.getLogger(__name__)
expected = (DomainError,)

RULES = domain.load_rules()


class ConfigTimer(Timer):
    """A timer whose interval comes from the nameko config (tests slow it down)."""

    def __init__(self, config_key: str, default: float, **kwargs):
        self.config_key = config_key
        super().__init__(interval=default, **kwargs)

    def setup(self) -> None:
        self.interval = float(self.container.config.get(self.config_key, self.interval))


class NotifyService:
    name = "notify"

    # the event store keeps what subscribers may replay for GOV_EVENT_STORE_KEEP_DAYS
    db = Database(
        Base, OutboxMessage, ProcessedEvent, keep=((StoredEvent, "received_at", "GOV_EVENT_STORE_KEEP_DAYS"),)
    )
    # grids' people look-up takes an actor; the bus is trusted, so notify asks as the whole tree
    grids = RpcProxy("grids")
    config = Config()

    @rpc
    def ping(self) -> str:
        return "pong"

    # -- consuming the event stream ------------------------------------------------------

    @on_events(domain.binding_patterns(RULES))
    def on_domain_event(self, event: dict) -> None:
        """Inbox lines for the people an event concerns, as the rule table decides."""
        notices = inbox.notices_for(self.grids, RULES, event)
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "notify.on_domain_event"):
                return
            inbox.store_notices(
                uow, event, notices, adapter_from_config(self.config), settings.quiet_hours(self.config)
            )
            uow.commit()

    @on_events(["#"])
    def on_any_event(self, event: dict) -> None:
        """Archive every event for replay, and queue it for the subscriptions that want it."""
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "notify.on_any_event"):
                return
            event_store.archive(uow.session, event)
            subscriptions.queue_webhooks(uow.session, event, utcnow())
            uow.commit()

    # -- the inbox ------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def inbox(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.InboxQuery), query)
        with self.db() as uow:
            return schema(contracts.InboxPage).dump(inbox.page(uow.session, actor["id"], q))

    @rpc(expected_exceptions=expected)
    def inbox_counts(self, actor: dict) -> dict:
        with self.db() as uow:
            return inbox.counts(uow.session, actor["id"])

    @rpc(expected_exceptions=expected)
    def mark_read(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MarkRead), payload)
        return self._mark(actor, Notification.id.in_(data["ids"]), everything=False)

    @rpc(expected_exceptions=expected)
    def mark_all_read(self, actor: dict) -> dict:
        return self._mark(actor, None, everything=True)

    def _mark(self, actor: dict, which, everything: bool) -> dict:
        with self.db() as uow:
            marked = inbox.mark_read(uow, int(actor["id"]), which, everything)
            uow.commit()
            return {"marked": marked}

    # -- subscriptions of outside systems ---------------------------------------------

    @rpc(expected_exceptions=expected)
    def create_subscription(self, actor: dict, payload: dict) -> dict:
        who = Actor.from_dict(actor)
        data = load(schema(contracts.SubscriptionCreate), payload)
        org_path = subscriptions.checked_scope(who, data)
        with self.db() as uow:
            sub = subscriptions.create(uow, who, data, org_path)
            uow.commit()
            return schema(contracts.SubscriptionCreated).dump(sub)

    @rpc(expected_exceptions=expected)
    def subscriptions(self, actor: dict, query: dict | None = None) -> dict:
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.PagedQuery), query)
        with self.db() as uow:
            mine = subscriptions.visible(uow.session, who)
            start = paging.first(q)
            items = schema(contracts.Subscription, many=True).dump(mine[start : start + q["per_page"]])
            return paging.page_of(items, len(mine), q)

    @rpc(expected_exceptions=expected)
    def end_subscription(self, actor: dict, subscription_id: int) -> dict:
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        with self.db() as uow:
            sub = subscriptions.end(uow, who, subscription_id)
            uow.commit()
            return schema(contracts.Subscription).dump(sub)

    @rpc(expected_exceptions=expected)
    def deliveries(self, actor: dict, subscription_id: int, query: dict | None = None) -> dict:
        """The delivery log of one subscription, newest first."""
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.DeliveryQuery), query)
        with self.db() as uow:
            subscriptions.in_scope(uow, who, subscription_id)
            rows, total = subscriptions.deliveries(uow.session, subscription_id, q)
            return paging.page_of(schema(contracts.Delivery, many=True).dump(rows), total, q)

    # -- replay -------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def replay(self, actor: dict, query: dict | None = None) -> dict:
        """Past events in arrival order, inside the caller's scope: by time range and/or
        after the id of the last event already seen."""
        who = Actor.from_dict(actor)
        who.require(*contracts.MANAGER_ROLES)
        q = load(schema(contracts.ReplayQuery), query)
        with self.db() as uow:
            return event_store.replay(uow.session, who, q)

    # -- sending: webhooks and push, with retries -----------------------------------------

    @ConfigTimer.decorator("NOTIFY_DELIVERY_SECONDS", 5.0)
    def deliver_tick(self) -> None:
        """Attempts the deliveries that are due."""
        self.deliver_due(None)

    @rpc(expected_exceptions=expected)
    def deliver_due(self, now: str | None = None) -> dict:
        """Attempt every pending delivery due at `now` (default: the clock). Failures are
        retried with exponential backoff; after NOTIFY_MAX_ATTEMPTS they are dead letters."""
        moment = settings.parse_now(now)
        retries, quiet = settings.Retries.from_config(self.config), settings.quiet_hours(self.config)
        adapter = adapter_from_config(self.config)
        with self.db() as uow:
            jobs = delivery.claim_due(uow, moment)
            uow.commit()
        # sent outside any transaction: a slow endpoint holds no rows
        outcomes = delivery.send(jobs, adapter, quiet, moment)
        with self.db() as uow:
            summary = delivery.record(uow, outcomes, moment, retries, quiet)
            uow.commit()
        return summary

    # -- the daily digest ------------------------------------------------------------------

    @ConfigTimer.decorator("NOTIFY_DIGEST_CHECK_SECONDS", 3600.0)
    def digest_tick(self) -> None:
        """After `NOTIFY_DIGEST_HOUR` local time, yesterday's digest per person, once."""
        day = digest.due_day(
            utcnow(), settings.local_zone(self.config), int(self.config.get("NOTIFY_DIGEST_HOUR", 8))
        )
        if day is not None:
            self.digest_send(day)

    @rpc(expected_exceptions=expected)
    def digest_send(self, day: str) -> dict:
        """One push per person summarising their notifications of local `day` still unread;
        built once per person and day."""
        the_day = digest.parse_day(day)
        adapter = adapter_from_config(self.config)
        with self.db() as uow:
            sent = digest.send_digests(uow, day, the_day, settings.local_zone(self.config), adapter)
            uow.commit()
            return {"day": day, "people": sent}
