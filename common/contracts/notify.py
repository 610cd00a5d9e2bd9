"""Contracts of the notify service: the personal inbox."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from common.contracts.base import PagedQuery, PageMeta, Strict


class InboxQuery(PagedQuery):
    unread = fields.Boolean(load_default=False)


class Notification(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    event_type = fields.String(required=True)
    subject = fields.String()
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class InboxPage(Schema):
    items = fields.List(fields.Nested(Notification), required=True)
    unread = fields.Integer(required=True)
    meta = fields.Nested(PageMeta, required=True)


class MarkRead(Strict):
    ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=500))


class MarkReadResult(Schema):
    marked = fields.Integer(required=True)
