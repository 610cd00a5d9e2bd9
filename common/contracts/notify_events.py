"""Events of the notify service: inbox lines, subscriptions, dead deliveries, digests."""

from __future__ import annotations

from common.contracts import fields
from common.contracts.events import EventData, register
from common.contracts.ids import Id


class NotificationCreated(EventData):
    notification_id = Id(required=True)
    person_id = Id(required=True)
    kind = fields.String(
        required=True, metadata={"description": "dispatched | returned | overdue | alert ..."}
    )
    cause_id = fields.String(required=True, metadata={"description": "id of the event that caused it"})
    cause_type = fields.String(required=True)


class NotificationsRead(EventData):
    person_id = Id(required=True)
    count = fields.Integer(required=True)
    all = fields.Boolean(required=True, metadata={"description": "marked all read at once"})


class SubscriptionChanged(EventData):
    subscription_id = Id(required=True)
    name = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    org_path = fields.String(required=True)
    actor_id = Id(required=True)


class DeliveryDeadLettered(EventData):
    delivery_id = Id(required=True)
    channel = fields.String(required=True, metadata={"description": "webhook | dingtalk | log ..."})
    subscription_id = Id(allow_none=True)
    person_id = Id(allow_none=True)
    cause_id = fields.String(allow_none=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)


class DigestSent(EventData):
    person_id = Id(required=True)
    day = fields.String(required=True, metadata={"description": "YYYY-MM-DD, local time"})
    count = fields.Integer(required=True, metadata={"description": "unread notifications summarised"})


register("notify", "notification.created", NotificationCreated, "A line was added to a person's inbox")
register("notify", "notifications.read", NotificationsRead, "A person marked inbox lines read")
register("notify", "subscription.created", SubscriptionChanged, "An outside system subscribed to events")
register("notify", "subscription.ended", SubscriptionChanged, "A subscription was ended")
register(
    "notify",
    "delivery.dead_lettered",
    DeliveryDeadLettered,
    "A delivery failed its last attempt and was set aside (dead letter)",
)
register("notify", "digest.sent", DigestSent, "A person's daily digest was queued for push")
