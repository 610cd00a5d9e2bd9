"""The one field type of every row id in every contract.

Ids are positive 64-bit integers (PostgreSQL bigint): 0, -1 or 2**63 can name no row and
would overflow the database's integer types, so they are refused as field errors. In a
JSON body an id is a JSON number, strictly: 6.5, "6" and true are refused rather than
rounded or cast. A query string or form carries only text, so there (a `Query` or `Form`
schema) an id is written in decimal digits.
"""

from __future__ import annotations

import json
import re

from marshmallow import ValidationError

from common.contracts import fields, validate
from common.contracts.base import Form, Query

MAX_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,19}")
OWN_PATH = re.compile(r"(?:/api/v1/attachments/)?([0-9]{1,19})")


class Id(fields.Integer):
    default_error_messages = {"invalid": "应为正整数编号"}  # English in common.contracts.messages

    def __init__(self, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Range(min=1, max=MAX_ID, error="应为正整数编号")]
        if extra is not None:
            validators += list(extra) if isinstance(extra, list | tuple) else [extra]
        # documented as OpenAPI's int64 (with the Range: minimum 1, maximum 2**63-1)
        kwargs["metadata"] = {"format": "int64", **kwargs.get("metadata", {})}
        super().__init__(strict=True, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and isinstance(self.root, Query | Form):
            if not DIGITS.fullmatch(value):
                raise self.make_error("invalid")
            value = int(value)
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:  # "too large" and the like: one message for every bad id
            raise self.make_error("invalid") from exc


def valid_id(value) -> bool:
    """For ids outside a schema (path parameters): a positive 64-bit integer."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def valid_path_int(name: str, value: int) -> bool:
    """A path's integer: an id when named `..._id`, else (a step's position) 0 .. 2**63-1."""
    if name.endswith("_id"):
        return valid_id(value)
    return isinstance(value, int) and 0 <= value <= MAX_ID


class AttachmentRef(fields.Integer):
    """Evidence names an uploaded attachment by its id (POST /attachments answers it). A
    number or its decimal digits; anything else (a file name, a URL, a hash) is refused
    with the reference named, because evidence that is not on the platform proves nothing."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"format": "int64", "description": "附件编号(POST /attachments 的 id)"}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):  # "12", or the platform's own path to it
            match = OWN_PATH.fullmatch(value)
            value = int(match.group(1)) if match else value
        if not valid_id(value):
            # as the client wrote it: true, null, 1.5 or a text
            shown = (value if isinstance(value, str) else json.dumps(value, default=str))[:60]
            raise ValidationError(f"「{shown}」不是已上传附件的编号")
        return value
