"""Storage of the taskflow capability: its tables on the tasks service's Base.

Every table is prefixed `tf_` so the fieldwork capability (which has "matters" of its
own on the escalation ladder) never collides with these names.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.events import utcnow
from common.storage import UtcDateTime
from services.tasks.models import Base


class Matter(Base):
    """One version of a catalogue matter (事项). Editing adds a version; tasks keep theirs."""

    __tablename__ = "tf_matters"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_tf_matters_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), default="")
    levels: Mapped[list] = mapped_column(JSON, default=list)
    department: Mapped[str] = mapped_column(String(100), default="")
    default_days: Mapped[int] = mapped_column(Integer, default=7)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    keywords: Mapped[str] = mapped_column(String(300), default="")
    # what senders call it (别名), space-separated; null on rows older than aliases
    aliases: Mapped[str | None] = mapped_column(String(500), nullable=True, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Place(Base):
    """What tasks needs to know of an org unit, copied from grids once (rule: no reads of
    another service's tables)."""

    __tablename__ = "tf_places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), default="")
    path: Mapped[str] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class Task(Base):
    __tablename__ = "tf_tasks"
    __table_args__ = (
        Index("ix_tf_tasks_status_matter", "status", "matter_code"),
        Index("ix_tf_tasks_received_month", "received_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    matter_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("tf_matters.id"), nullable=True)
    # needs_code | rejected | pending_review | approved | returned | dispatched | done
    status: Mapped[str] = mapped_column(String(20))
    reject_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    # what content screening found: negative-list hits and a code that does not fit the text
    screening_reasons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    code_mismatch: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sender_id: Mapped[int] = mapped_column(Integer, index=True)
    sender_name: Mapped[str] = mapped_column(String(50), default="")
    sender_unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sender_department_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # the deepest place covering every target: who reviews it, and who may see it
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    received_month: Mapped[str] = mapped_column(String(7))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reviewer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # target villages not yet dispatched ([{village_id, village_name, township_id}]); None before
    # the first dispatch: a task is done only when this is empty and every assignment closed
    undispatched: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # the open work on the same matter for the same villages that screening found (多头派单)
    overlaps: Mapped[list | None] = mapped_column(JSON, nullable=True)


class TaskTarget(Base):
    __tablename__ = "tf_task_targets"
    __table_args__ = (Index("ix_tf_task_targets_unit", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tf_tasks.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(200))


class Decision(Base):
    """A recorded collective decision (集体讨论) on a major matter."""

    __tablename__ = "tf_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tf_tasks.id"), index=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    attendees: Mapped[list] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(Text)
    minutes: Mapped[list] = mapped_column(JSON)
    recorded_by: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Assignment(Base):
    """One village's share of a dispatched task; the village may pass it to a grid or person."""

    __tablename__ = "tf_assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "village_id", name="uq_tf_assignments_task_village"),
        Index("ix_tf_assignments_status_deadline", "status", "deadline"),
        Index("ix_tf_assignments_month", "dispatched_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tf_tasks.id"), index=True)
    matter_code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    village_id: Mapped[int] = mapped_column(Integer, index=True)
    village_name: Mapped[str] = mapped_column(String(100), default="")
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the village's path, or the grid's once passed on: scope is a prefix test
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    assignee_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # dispatched | assigned | claimed | in_progress | submitted | returned | accepted
    status: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    return_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    dispatched_at: Mapped[datetime] = mapped_column(UtcDateTime())
    dispatched_month: Mapped[str] = mapped_column(String(7))
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class LedgerEntry(Base):
    """台账: one row per state change, written by the system in the change's own unit of
    work. Append-only: there is no update or delete path (and the flush guard below
    refuses one). `content` is the canonical JSON of the row, for a later hash chain."""

    __tablename__ = "tf_ledger"
    __table_args__ = (
        Index("ix_tf_ledger_village_month", "village_id", "month"),
        Index("ix_tf_ledger_chain_seq", "chain", "chain_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    month: Mapped[str] = mapped_column(String(7))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    assignment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    content: Mapped[str] = mapped_column(Text)
    # the hash chain per village (services/tasks/procedures/chain.py): null on rows older than it
    chain: Mapped[str | None] = mapped_column(String(200), nullable=True)
    chain_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # sm3 | sha256, the digest `hash` was made with (common.crypto); null on older rows: sha256
    hash_alg: Mapped[str | None] = mapped_column(String(8), nullable=True)


@event.listens_for(Session, "before_flush")
def _ledger_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LedgerEntry):
            raise RuntimeError("台账记录只能追加,不能修改或删除")
