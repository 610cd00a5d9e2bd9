"""Contracts of one's own account: the password change and Open311 api_keys (grids)."""

from __future__ import annotations

from common.contracts import fields, validate
from common.contracts.base import Schema, Strict
from common.contracts.grids import Actor


class PasswordChange(Strict):
    old_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class PasswordChanged(Schema):
    """A fresh token: the change ended every earlier session, this one included."""

    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    actor = fields.Nested(Actor, required=True)
    must_change_password = fields.Boolean(required=True)


class Open311Key(Schema):
    id = fields.Integer(required=True)
    prefix = fields.String(required=True, metadata={"description": "the key's first characters"})
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    api_key = fields.String(metadata={"description": "the whole key: shown once, when it is issued"})


class AccountDisabled(Schema):
    disabled = fields.Boolean(required=True)
