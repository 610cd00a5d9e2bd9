"""Input a person could mean, for every schema.

A date in the year 6722, an offset of +20:15, or a control character inside a name is a
typo or an attack; the database or an .xlsx export would trip over it later with an
error nobody can read. marshmallow's fields are narrowed here once (common.contracts.base
installs this) and such input is refused with the usual field error: years 1900-2200,
UTC offsets within ±14 hours, text without control characters (tab and newlines
are fine), and integers that are whole (6.5 is not silently 6) and fit a 64-bit column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from marshmallow import ValidationError, fields

YEARS = (1900, 2200)
MAX_OFFSET = timedelta(hours=14)
INT64 = (-(2**63), 2**63 - 1)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check(value):
    moment = value if isinstance(value, date) else None
    if moment is None:
        return value
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValidationError(f"日期应在 {YEARS[0]} 年到 {YEARS[1]} 年之间")
    if (
        isinstance(moment, datetime)
        and moment.utcoffset() is not None
        and abs(moment.utcoffset()) > MAX_OFFSET
    ):
        raise ValidationError("时区偏移超出范围")
    return value


def _check_text(value):
    if isinstance(value, str) and CONTROL.search(value):
        raise ValidationError("不能包含控制字符")
    return value


def _check_integer(value, result):
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError("应为整数")
    if not INT64[0] <= result <= INT64[1]:
        raise ValidationError("数值过大")
    return result


def install() -> None:
    original_integer = fields.Integer._deserialize
    if not getattr(original_integer, "_sane", False):

        def deserialize_integer(self, value, attr, data, **kwargs):
            return _check_integer(value, original_integer(self, value, attr, data, **kwargs))

        deserialize_integer._sane = True
        fields.Integer._deserialize = deserialize_integer
    original_string = fields.String._deserialize
    if not getattr(original_string, "_sane", False):

        def deserialize_string(self, value, attr, data, **kwargs):
            return _check_text(original_string(self, value, attr, data, **kwargs))

        deserialize_string._sane = True
        fields.String._deserialize = deserialize_string
    for field_cls in (fields.DateTime, fields.Date):
        original = field_cls._deserialize
        if getattr(original, "_sane", False):
            continue

        def deserialize(self, value, attr, data, _original=original, **kwargs):
            return _check(_original(self, value, attr, data, **kwargs))

        deserialize._sane = True
        field_cls._deserialize = deserialize


install()
