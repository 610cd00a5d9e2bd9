"""Storage of content screening: the negative list's rules (each edit a new version, as
the catalogue's matters) and one row per task and rule it hit, which the rejection
statistics count by rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.events import utcnow
from common.storage import UtcDateTime
from services.tasks.models import Base


class NegativeRuleVersion(Base):
    __tablename__ = "tf_negative_rules"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_tf_negative_rules_rule_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500), default="")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    patterns: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ScreeningHit(Base):
    """A task that hit a rule; the task's sender and month are copied for the statistics."""

    __tablename__ = "tf_screening_hits"
    __table_args__ = (
        UniqueConstraint("task_id", "rule_id", name="uq_tf_screening_hits_task_rule"),
        Index("ix_tf_screening_hits_month", "received_month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tf_tasks.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(32))
    rule_version: Mapped[int] = mapped_column(Integer)
    rule_name: Mapped[str] = mapped_column(String(100))
    matched: Mapped[str] = mapped_column(String(300), default="")
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    sender_id: Mapped[int] = mapped_column(Integer)
    sender_name: Mapped[str] = mapped_column(String(50), default="")
    sender_department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_month: Mapped[str] = mapped_column(String(7))
