"""Chinese-first validation messages, with their English counterparts.

marshmallow's built-in messages are replaced by Chinese ones when this module is
imported (common.contracts.base imports it), so every service's field errors are
Chinese; `to_english` turns them back for a client that asks for English.
"""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

# (Chinese template, English template); {name} placeholders shared by both.
FIELD_MESSAGES = {
    "required": ("必填项", "Missing data for required field."),
    "null": ("不能为空", "Field may not be null."),
    "invalid": ("格式不正确", "Not a valid value."),
    "unknown": ("不认识的字段", "Unknown field."),
    "type": ("类型不正确", "Invalid input type."),
    "too_large": ("数值过大", "Number too large."),
}
# (validator, attribute, Chinese, English) as they read once rendered. Range formats its
# messages twice (operator words first), hence the doubled braces when installing.
VALIDATOR_MESSAGES = [
    (validate.OneOf, "default_message", "必须是以下之一:{choices}", "Must be one of: {choices}."),
    (validate.Range, "message_min", "应不小于 {min}", "Must be greater than or equal to {min}."),
    (validate.Range, "message_max", "应不大于 {max}", "Must be less than or equal to {max}."),
    (validate.Range, "message_all", "应在 {min} 到 {max} 之间", "Must be between {min} and {max}."),
    (validate.Length, "message_min", "长度至少为 {min}", "Shorter than minimum length {min}."),
    (validate.Length, "message_max", "长度最多为 {max}", "Longer than maximum length {max}."),
    (
        validate.Length,
        "message_all",
        "长度应在 {min} 到 {max} 之间",
        "Length must be between {min} and {max}.",
    ),
    (validate.Length, "message_equal", "长度应为 {equal}", "Length must be {equal}."),
    (validate.Regexp, "default_message", "格式不正确", "String does not match expected pattern."),
    (validate.Email, "default_message", "不是有效的邮箱地址", "Not a valid email address."),
    (validate.URL, "default_message", "不是有效的网址", "Not a valid URL."),
]
EXTRA_MESSAGES = {
    "date_range": ("日期应在 1900 年到 2200 年之间", "The date must be between the years 1900 and 2200."),
    "offset": ("时区偏移超出范围", "The time zone offset is out of range."),
    "control": ("不能包含控制字符", "Control characters are not allowed."),
    "integer": ("应为整数", "Must be a whole number."),
    "id": ("应为正整数编号", "Must be a positive whole number id."),
    "deadline_past": ("期限不能早于今天", "The deadline cannot be before today."),
    "deadline_not_future": ("竞榜截止时间须晚于当前时间", "The deadline must lie in the future."),
}
SCHEMA_MESSAGES = {
    "type": ("数据格式不正确", "Invalid input type."),
    "unknown": ("不认识的字段", "Unknown field."),
}


def _install() -> None:
    for field_cls in (fields.Field, *_all_field_classes()):
        messages = dict(getattr(field_cls, "default_error_messages", {}))
        for key in messages:
            if key in FIELD_MESSAGES:
                messages[key] = FIELD_MESSAGES[key][0]
        field_cls.default_error_messages = messages
    for validator, attr, zh, _ in VALIDATOR_MESSAGES:
        setattr(
            validator, attr, zh.replace("{", "{{").replace("}", "}}") if validator is validate.Range else zh
        )
    Schema._default_error_messages = {key: zh for key, (zh, _) in SCHEMA_MESSAGES.items()}


def _all_field_classes():
    seen, stack = set(), [fields.Field]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return seen


_install()


def _pattern(zh_template: str) -> re.Pattern:
    escaped = re.escape(zh_template)
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*)", escaped) + "$")


_PAIRS = [
    *FIELD_MESSAGES.values(),
    *SCHEMA_MESSAGES.values(),
    *EXTRA_MESSAGES.values(),
    *((zh, en) for _, _, zh, en in VALIDATOR_MESSAGES),
]
_TRANSLATIONS = [(_pattern(zh), en) for zh, en in _PAIRS]


def to_english(errors):
    """Translate a (nested) marshmallow error structure; unknown texts stay as they are."""
    if isinstance(errors, dict):
        return {key: to_english(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [to_english(value) for value in errors]
    if isinstance(errors, str):
        for pattern, en in _TRANSLATIONS:
            match = pattern.match(errors)
            if match:
                return en.format(**match.groupdict())
    return errors
