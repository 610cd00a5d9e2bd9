"""Contracts of the notify service: the personal inbox, subscriptions of outside systems,
their delivery log, and replay of the event stream."""

from __future__ import annotations

from common import roles
from common.contracts import fields, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Query, Schema, Strict
from common.contracts.ids import Id

MANAGER_ROLES = roles.TOWNSHIP
DELIVERY_STATUSES = ["pending", "delivered", "dead", "cancelled"]

# An AMQP topic pattern over event types: words split by dots, `*` one word, `#` any number.
TYPE_PATTERN = validate.Regexp(
    r"^(?:[a-z0-9_]+|\*|#)(?:\.(?:[a-z0-9_]+|\*|#))*$",
    error="事件类型应为以点分隔的单词,可用 * 匹配一个单词、# 匹配任意多个",
)
ORG_PATH = validate.Regexp(r"^/(?:\d+/)+$", error="组织路径形如 /1/5/23/")
WEBHOOK_URL = validate.URL(schemes={"http", "https"}, require_tld=False, error="应为 http(s) 地址")


class InboxQuery(PagedQuery):
    unread = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class Notification(Schema):
    id = Id(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    event_type = fields.String(required=True)
    event_id = fields.String()
    subject = fields.String()
    ref = fields.Dict(
        allow_none=True,
        metadata={
            "description": "what the item is about, to open it: kind (task, assignment, matter, visit, "
            "alert, procedure, project, hotspot, …), id and key (the rest of the event's subject)"
        },
    )
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxPage(Schema):
    items = fields.List(fields.Nested(Notification), required=True)
    unread = fields.Integer(required=True)
    meta = fields.Nested(PageMeta, required=True)


class InboxCounts(Schema):
    total = fields.Integer(required=True)
    unread = fields.Integer(required=True)
    unread_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class MarkRead(Strict):
    ids = fields.List(Id(), required=True, validate=Filled(max=500))


class MarkReadResult(Schema):
    marked = fields.Integer(required=True)


# -- subscriptions of outside systems ---------------------------------------------------


class SubscriptionCreate(Strict):
    name = fields.String(required=True, validate=Filled(max=100))
    url = fields.String(required=True, validate=[validate.Length(max=500), WEBHOOK_URL])
    event_types = fields.List(
        fields.String(validate=[validate.Length(max=200), TYPE_PATTERN]),
        required=True,
        validate=Filled(max=50),
        metadata={"description": "patterns such as grassroots.tasks.# or grassroots.*.alert.raised.v1"},
    )
    org_path = fields.String(
        load_default=None,
        allow_none=True,
        validate=ORG_PATH,
        metadata={"description": "the part of the tree it receives; default: the caller's own place"},
    )
    secret = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=16, max=128),
        load_only=True,
        metadata={"description": "HMAC key; generated when absent and shown once"},
    )


class Subscription(Schema):
    id = Id(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    org_path = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_by = Id(required=True)
    created_at = fields.DateTime(required=True)
    ended_at = fields.DateTime(allow_none=True)


class SubscriptionCreated(Subscription):
    secret = fields.String(
        required=True, metadata={"description": "X-Grassroots-Signature = sha256=HMAC-SHA256(secret, body)"}
    )


class SubscriptionPage(Schema):
    items = fields.List(fields.Nested(Subscription), required=True)
    meta = fields.Nested(PageMeta, required=True)


class DeliveryQuery(PagedQuery):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DELIVERY_STATUSES))


class Delivery(Schema):
    id = Id(required=True)
    channel = fields.String(required=True)
    subscription_id = Id(allow_none=True)
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    target = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(Delivery), required=True)
    meta = fields.Nested(PageMeta, required=True)


# -- replay of the event stream ------------------------------------------------------------


class ReplayQuery(Query):
    after = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=36),
        metadata={"description": "the id of the last event already seen"},
    )
    since = fields.AwareDateTime(load_default=None, allow_none=True)
    until = fields.AwareDateTime(load_default=None, allow_none=True)
    type = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), TYPE_PATTERN]
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CloudEvent(Schema):
    specversion = fields.String(required=True)
    id = fields.String(required=True)
    source = fields.String(required=True)
    type = fields.String(required=True)
    time = fields.String(required=True)
    subject = fields.String()
    datacontenttype = fields.String()
    orgpath = fields.String()
    data = fields.Dict(required=True)


class ReplayPage(Schema):
    items = fields.List(fields.Nested(CloudEvent), required=True)
    next_after = fields.String(
        allow_none=True, metadata={"description": "pass as `after` for the next page; null at the end"}
    )
