"""Building blocks shared by every contract module."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from common.contracts import messages, sanity  # noqa: F401 - install Chinese messages, sane dates
from common.errors import DomainError


class Strict(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        ordered = True


class Query(Schema):
    """Query strings: unknown parameters (cache-busters and the like) are ignored."""

    class Meta:
        unknown = EXCLUDE


class PagedQuery(Query):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageMeta(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class Problem(Schema):
    """RFC 9457 problem details, as every error is rendered."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable machine code"})
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={"description": "field errors"})


def load(schema: Schema, payload) -> dict:
    """Validate an incoming payload; a bad one becomes the same `validation_failed` error everywhere."""
    try:
        return schema.load(payload or {})
    except ValidationError as exc:
        raise DomainError("validation_failed", fields=exc.normalized_messages()) from exc
