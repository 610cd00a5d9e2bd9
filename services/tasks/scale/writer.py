"""What the bulk loader writes with: COPY buffers per table with their columns, the outbox
row of every event, month bounds in China time."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from common import china_time
from common.contracts.events import validate_event
from common.events import event_type, source_of

SOURCE = source_of("tasks")


OUTBOX_COLUMNS = ["event_id", "type", "source", "subject", "org_path", "time", "data", "published_at"]


class LoaderActor:
    """What `taskflow.ledger_row` reads of an actor."""

    def __init__(self, person_id: int, name: str = "") -> None:
        self.id, self.name = person_id, name


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's China-time bounds, in UTC (as the COPY rows store them)."""
    start, end = china_time.month_bounds(month)
    return start.astimezone(UTC), end.astimezone(UTC)


class Writer:
    """Rows per table and outbox rows, with deterministic event ids."""

    def __init__(self, rng: random.Random, published: datetime):
        self.rng, self.published = rng, published
        self.outbox: list[tuple] = []
        self.checked: set[str] = set()

    def event(self, name: str, data: dict, subject: str, org_path: str, at: datetime) -> str:
        etype = event_type("tasks", name)
        if etype not in self.checked:  # the catalogue is the contract: check one of each type
            validate_event(etype, data)
            self.checked.add(etype)
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.outbox.append((event_id, etype, SOURCE, subject, org_path, at, data, self.published))
        return event_id


TASK_COLUMNS = [
    "id", "title", "content", "matter_code", "matter_id", "status", "reject_reason", "review_reason", "suggestions",
    "sender_id", "sender_name", "sender_unit_id", "sender_department_id", "org_path", "deadline", "major",
    "received_at", "received_month", "reviewed_at", "reviewer_id", "dispatched_at", "closed_at",
]  # fmt: skip


ASSIGNMENT_COLUMNS = [
    "id", "task_id", "matter_code", "title", "township_id", "village_id", "village_name", "grid_id", "org_path",
    "assignee_id", "status", "deadline", "evidence", "return_reason", "dispatched_at", "dispatched_month",
    "submitted_at", "accepted_at", "reminded_at", "overdue_at",
]  # fmt: skip


TF_LEDGER_COLUMNS = [
    "at", "month", "actor_id", "actor_name", "action", "task_id", "assignment_id", "from_status", "to_status",
    "org_path", "township_id", "village_id", "detail", "content",
]  # fmt: skip


VISIT_COLUMNS = [
    "id", "month", "member_id", "household_id", "grid_id", "village_id", "township_id", "org_path", "visited_at",
    "recorded_at", "notes", "attachment_ids", "on_time", "needs_raised", "rating", "rating_comment", "rated_at",
]  # fmt: skip


MATTER_COLUMNS = [
    "id", "title", "description", "source", "kind", "level", "status", "grid_id", "village_id", "township_id",
    "org_path", "month", "visit_id", "household_id", "member_id", "reporter_id", "handler_id", "department_id",
    "attachment_ids", "escalated", "auto_escalations", "overdue_alerted", "deadline", "level_since", "created_at",
    "resolved_at", "resolved_level", "resolution", "rating", "rating_comment",
]  # fmt: skip


FW_LEDGER_COLUMNS = [
    "action", "matter_id", "visit_id", "actor_id", "from_level", "to_level", "from_status", "to_status", "note",
    "org_path", "at", "event_id",
]  # fmt: skip
