"""marshmallow's field types as every contract uses them: Chinese messages (English in
`messages.to_english`) and only input a person could mean (`sanity`). They are subclasses,
so importing this changes nothing in marshmallow itself; a contract writes
`from common.contracts import fields` where it would write `from marshmallow import fields`."""

from __future__ import annotations

from marshmallow import fields as _m

from common.contracts.messages import FIELD_MESSAGES
from common.contracts.sanity import check_integer, check_moment, check_text


def _chinese(cls: type[_m.Field]) -> dict:
    """The Chinese text of each message `cls` has (over its bases) that has one."""
    keys = {key for base in cls.__mro__ for key in getattr(base, "default_error_messages", {})}
    return {key: FIELD_MESSAGES[key][0] for key in keys if key in FIELD_MESSAGES}


class Field(_m.Field):
    default_error_messages = _chinese(_m.Field)


class Raw(_m.Raw):
    default_error_messages = _chinese(_m.Raw)


class String(_m.String):
    default_error_messages = _chinese(_m.String)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_text(super()._deserialize(value, attr, data, **kwargs))


class Url(_m.Url):
    default_error_messages = _chinese(_m.Url)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_text(super()._deserialize(value, attr, data, **kwargs))


class Integer(_m.Integer):
    default_error_messages = _chinese(_m.Integer)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_integer(value, super()._deserialize(value, attr, data, **kwargs))


class Float(_m.Float):
    default_error_messages = _chinese(_m.Float)


class Boolean(_m.Boolean):
    default_error_messages = _chinese(_m.Boolean)


class DateTime(_m.DateTime):
    default_error_messages = _chinese(_m.DateTime)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_moment(super()._deserialize(value, attr, data, **kwargs))


class AwareDateTime(_m.AwareDateTime):
    default_error_messages = _chinese(_m.AwareDateTime)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_moment(super()._deserialize(value, attr, data, **kwargs))


class Date(_m.Date):
    default_error_messages = _chinese(_m.Date)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_moment(super()._deserialize(value, attr, data, **kwargs))


class List(_m.List):
    default_error_messages = _chinese(_m.List)


class Dict(_m.Dict):
    default_error_messages = _chinese(_m.Dict)


class Nested(_m.Nested):
    default_error_messages = _chinese(_m.Nested)
