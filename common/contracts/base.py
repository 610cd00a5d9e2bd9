"""Building blocks shared by every contract module."""

from __future__ import annotations

import functools

import marshmallow
from marshmallow import EXCLUDE, ValidationError

from common.contracts import fields, validate
from common.contracts.messages import SCHEMA_MESSAGES
from common.errors import DomainError
from common.text import is_blank


class Schema(marshmallow.Schema):
    """Every contract's base: the schema's own messages (an unknown field, a body that is
    not an object) in Chinese, like its fields'."""

    error_messages = {key: zh for key, (zh, _) in SCHEMA_MESSAGES.items()}


class Strict(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        ordered = True


class Form(Strict):
    """Multipart form fields beside an upload: text, like a query string (ids as digits)."""


class Query(Schema):
    """Query strings: unknown parameters (cache-busters and the like) are ignored."""

    class Meta:
        unknown = EXCLUDE


class Filled(validate.Length):
    """Text someone wrote: at least one character other than spaces, at most `max`. A reason
    or a title of only spaces says nothing, and is refused as an empty one would be."""

    def __init__(self, max: int):  # noqa: A002 - marshmallow's own name for the bound
        super().__init__(min=1, max=max)

    def __call__(self, value):
        value = super().__call__(value)
        if isinstance(value, str) and is_blank(value):  # spaces, zero-width characters
            raise ValidationError("不能只填空格")
        return value


class PagedQuery(Query):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageMeta(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


def Rate(label: str) -> fields.Float:  # noqa: N802 - a field type, named like one
    """A rate in an answer: always a fraction from 0 to 1 (0.85 is 85 %), never a percentage."""
    return fields.Float(
        allow_none=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": f"{label}(0 到 1 的小数,0.85 即 85%)", "minimum": 0, "maximum": 1},
    )


class Problem(Schema):
    """RFC 9457 problem details, as every error is rendered."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable machine code"})
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={"description": "field errors"})


@functools.cache
def schema(cls: type[Schema], many: bool = False) -> Schema:
    """One instance per schema class: building a Schema copies every declared field, which
    cost a tenth of a hot read when done per call. Instances hold no per-call state."""
    return cls(many=many)


def load(contract: Schema, payload) -> dict:
    """Validate an incoming payload; a bad one becomes the same `validation_failed` error everywhere."""
    try:
        return contract.load(payload or {})
    except ValidationError as exc:
        raise DomainError("validation_failed", fields=exc.normalized_messages()) from exc
