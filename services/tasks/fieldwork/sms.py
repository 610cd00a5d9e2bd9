"""Text messages to households (rating codes), behind an adapter interface.

The default adapter reaches no phone and stands in for the households' phones in demo
mode only: it keeps each message it would send in var/sms/outbox.jsonl (mode 0600, each
line marked `"demo": true`), where a test or a demo user reads the code. Production names
a real adapter in GOV_SMS_ADAPTER (`package.module:Class`) and refuses to start without one.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
from pathlib import Path
from typing import Protocol

from common import config
from common.events import utcnow

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, household_id: int, text: str, purpose: str) -> None:
        """Deliver `text` to the household's phone (the adapter resolves the number)."""


class DemoOutboxSms:
    """Demo mode's stand-in for the households' phones: a file only its owner reads."""

    demo = True

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else config.VAR_DIR / "sms" / "outbox.jsonl"

    def send(self, household_id: int, text: str, purpose: str) -> None:
        # never the text in the log: it carries the household's one-time code
        log.info("SMS to household %s (%s) kept in the demo outbox", household_id, purpose)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        line = {"demo": True, "household_id": household_id, "purpose": purpose, "text": text}
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # also a file left behind by an older, laxer version
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps({**line, "at": utcnow().isoformat()}, ensure_ascii=False) + "\n")


def default_sender() -> SmsSender:
    spec = config.env("GOV_SMS_ADAPTER")
    if not spec:
        return DemoOutboxSms()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


def ensure_real_sender_in_production() -> None:
    """Called at service start: production with the demo outbox would text nobody."""
    if config.is_production() and getattr(default_sender(), "demo", False):
        raise RuntimeError(
            "GOV_SMS_ADAPTER must name a real SMS adapter in production (the default is demo only)"
        )
