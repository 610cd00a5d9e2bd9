"""marshmallow's validators with Chinese messages (English in `messages.to_english`), as
subclasses: importing this changes nothing in marshmallow itself. A contract writes
`from common.contracts import validate`."""

from __future__ import annotations

from marshmallow import validate as _v
from marshmallow.validate import Equal, Validator

from common.contracts.messages import VALIDATOR_MESSAGES

__all__ = ["URL", "Email", "Equal", "Length", "OneOf", "Range", "Regexp", "Validator"]


def _zh(validator: type, attribute: str) -> str:
    text = next(zh for v, a, zh, _ in VALIDATOR_MESSAGES if v is validator and a == attribute)
    # Range formats its messages twice (operator words first), hence the doubled braces
    return text.replace("{", "{{").replace("}", "}}") if validator is _v.Range else text


class Range(_v.Range):
    message_min = _zh(_v.Range, "message_min")
    message_max = _zh(_v.Range, "message_max")
    message_all = _zh(_v.Range, "message_all")


class Length(_v.Length):
    message_min = _zh(_v.Length, "message_min")
    message_max = _zh(_v.Length, "message_max")
    message_all = _zh(_v.Length, "message_all")
    message_equal = _zh(_v.Length, "message_equal")


class OneOf(_v.OneOf):
    default_message = _zh(_v.OneOf, "default_message")


class Regexp(_v.Regexp):
    default_message = _zh(_v.Regexp, "default_message")


class Email(_v.Email):
    default_message = _zh(_v.Email, "default_message")


class URL(_v.URL):
    default_message = _zh(_v.URL, "default_message")
