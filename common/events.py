"""The event envelope: every domain event is a CloudEvents 1.0 JSON message.

One durable topic exchange carries all of them; the routing key is the event type,
e.g. `grassroots.grids.link.created.v1`, so an outside system binds its own queue
with a pattern such as `grassroots.tasks.#`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EXCHANGE = "grassroots.events"
TYPE_PREFIX = "grassroots"


def event_type(service: str, name: str, version: int = 1) -> str:
    """`event_type("tasks", "task.dispatched")` -> `grassroots.tasks.task.dispatched.v1`."""
    return f"{TYPE_PREFIX}.{service}.{name}.v{version}"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class DomainEvent:
    """Something that happened, named in the past tense, waiting in a unit of work."""

    service: str
    name: str
    data: dict
    subject: str = ""
    org_path: str = ""
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=utcnow)

    @property
    def type(self) -> str:
        return event_type(self.service, self.name, self.version)


def to_cloudevent(
    *,
    id: str,
    type: str,
    source: str,
    time: datetime,
    subject: str,
    data: dict,
    org_path: str,
) -> dict:
    """The structured-mode CloudEvents 1.0 JSON body.

    `orgpath` is an extension attribute: the place in the org tree the event concerns,
    used to keep a subscriber inside its scope.
    """
    if time.tzinfo is None:  # SQLite hands back naive datetimes; they are stored as UTC
        time = time.replace(tzinfo=UTC)
    return {
        "specversion": "1.0",
        "id": id,
        "source": source,
        "type": type,
        "time": time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "datacontenttype": "application/json",
        "orgpath": org_path,
        "data": data,
    }


def source_of(service: str) -> str:
    return f"/grassroots/{service}"


def encode_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def decode_json(text: str | bytes) -> Any:
    return json.loads(text)
