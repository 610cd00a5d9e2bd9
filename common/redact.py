"""A logging filter that blanks secrets and masks phone and ID numbers in every record.

A belt, not the fix: the code logs no secret in the first place. This catches what slips
through (a library's message, an exception carrying a payload). deploy/nameko.yaml puts it
on every process's handler:

    filters: {redact: {(): common.redact.RedactSecrets}}
"""

from __future__ import annotations

import logging
import re

_SECRET = "[redacted]"
PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    # signed tokens (JWT) wherever they appear, and bearer credentials
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+"), _SECRET),
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1" + _SECRET),
    # key=value / "key": "value" for the names secrets go by
    (
        re.compile(
            r"(?i)((?:password|passwd|secret|token|api_key|rating_code|code_hash|"
            r"field_keys|blind_index_key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}&]+"
        ),
        r"\1" + _SECRET,
    ),
    # the rating code inside the SMS text (评价码:AB12CD34)
    (re.compile(r"(评价码\s*[::]\s*)[0-9A-Za-z]+"), r"\1" + _SECRET),
    # and in the rating page's link that the SMS carries (…/m/rate?code=AB12CD34)
    (re.compile(r"([?&]code=)[0-9A-Za-z]+"), r"\1" + _SECRET),
    # ID numbers, then mainland mobile numbers: masked like the API masks them
    (re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)"), r"\1********\2"),
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
)


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class BriefExpectedErrors(logging.Filter):
    """A refusal the caller can act on (nameko's "(expected) error handling worker …": a 4xx)
    is one line, not a traceback: the logs keep tracebacks for what went wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info, record.exc_text = None, None
        return True
