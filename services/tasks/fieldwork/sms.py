"""Text messages to households (rating codes), behind an adapter interface.

The default adapter does not reach a phone: it logs the message and appends it to
var/sms/outbox.jsonl, where a notify-side SMS gateway (or a test) picks it up. Another
adapter is named in GOV_SMS_ADAPTER (`package.module:Class`).
"""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import Protocol

from common.config import VAR_DIR, env
from common.events import utcnow

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, household_id: int, text: str, purpose: str) -> None:
        """Deliver `text` to the household's phone (the adapter resolves the number)."""


class LoggingSms:
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else VAR_DIR / "sms" / "outbox.jsonl"

    def send(self, household_id: int, text: str, purpose: str) -> None:
        log.info("SMS to household %s (%s): %s", household_id, purpose, text)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"household_id": household_id, "purpose": purpose, "text": text, "at": utcnow().isoformat()}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def default_sender() -> SmsSender:
    spec = env("GOV_SMS_ADAPTER")
    if not spec:
        return LoggingSms()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()
