"""Routes of the notify area: subscriptions of outside systems, their delivery log, and
replay of the event stream. County admins manage any part of their county, township
leaders their township; notify checks both."""

from __future__ import annotations

from common import roles as groups
from common.contracts import notify as n
from common.contracts.base import PagedQuery
from common.remote import call
from gateway.http import route


class NotifyRoutes:
    @route(
        "POST",
        "/api/v1/subscriptions",
        summary="新建事件订阅(Webhook)/ subscribe an outside system",
        tag="events",
        body=n.SubscriptionCreate,
        response=n.SubscriptionCreated,
        status=201,
        roles=groups.TOWNSHIP,
        description="Deliveries are CloudEvents 1.0 (structured JSON), signed with "
        "`X-Grassroots-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`; "
        "failures are retried with exponential backoff and then dead-lettered.",
    )
    def create_subscription(self, request, actor, body):
        return call(self.notify, "notify", "create_subscription", actor, body)

    @route(
        "GET",
        "/api/v1/subscriptions",
        summary="事件订阅列表 / subscriptions in my scope",
        tag="events",
        query=PagedQuery,
        response=n.SubscriptionPage,
        roles=groups.TOWNSHIP,
    )
    def subscriptions(self, request, actor, query):
        return call(self.notify, "notify", "subscriptions", actor, query)

    @route(
        "DELETE",
        "/api/v1/subscriptions/<int:subscription_id>",
        summary="停止事件订阅 / end a subscription",
        tag="events",
        response=n.Subscription,
        roles=groups.TOWNSHIP,
    )
    def end_subscription(self, request, actor, subscription_id):
        return call(self.notify, "notify", "end_subscription", actor, subscription_id)

    @route(
        "GET",
        "/api/v1/subscriptions/<int:subscription_id>/deliveries",
        summary="投递日志 / delivery log of a subscription",
        tag="events",
        query=n.DeliveryQuery,
        response=n.DeliveryPage,
        roles=groups.TOWNSHIP,
    )
    def deliveries(self, request, actor, subscription_id, query):
        return call(self.notify, "notify", "deliveries", actor, subscription_id, query)

    @route(
        "GET",
        "/api/v1/events",
        summary="事件回放 / replay past events in my scope",
        tag="events",
        query=n.ReplayQuery,
        response=n.ReplayPage,
        roles=groups.TOWNSHIP,
        description="By time range (`since`, `until`) and/or after the id of the last event "
        "seen (`after`); `type` takes a topic pattern. Page on with `next_after`.",
    )
    def replay(self, request, actor, query):
        return call(self.notify, "notify", "replay", actor, query)
