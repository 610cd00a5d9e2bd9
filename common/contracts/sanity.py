"""Input a person could mean, for every schema.

A date in the year 6722, an offset of +20:15, or a control character inside a name is a
typo or an attack; the database or an .xlsx export would trip over it later with an
error nobody can read. The contracts' field types (common/contracts/fields.py) apply these
checks, and such input is refused with the usual field error: years 1900-2200,
UTC offsets within ±14 hours, text without control characters (tab and newlines
are fine), and integers that are whole (6.5 is not silently 6) and fit a 64-bit column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from marshmallow import ValidationError

YEARS = (1900, 2200)
MAX_OFFSET = timedelta(hours=14)
INT64 = (-(2**63), 2**63 - 1)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_moment(value):
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


def check_text(value):
    if isinstance(value, str) and CONTROL.search(value):
        raise ValidationError("不能包含控制字符")
    return value


def check_integer(value, result):
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError("应为整数")
    if not INT64[0] <= result <= INT64[1]:
        raise ValidationError("数值过大")
    return result
