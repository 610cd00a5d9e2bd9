"""Storage of the procedures capability (tables prefixed `pr_`), plus `ledger_heads`: the
head of every ledger chain (one row per ledger and village), locked while a row is added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.events import utcnow
from common.storage import UtcDateTime
from services.tasks.models import Base


class Template(Base):
    """One version of a procedure template; steps are data (who acts, evidence, rules)."""

    __tablename__ = "pr_templates"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_pr_templates_code_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    applies_to_major: Mapped[bool] = mapped_column(Boolean, default=False)
    matter_codes: Mapped[list] = mapped_column(JSON, default=list)
    steps: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Procedure(Base):
    """A template run for one village matter (optionally a task's assignment)."""

    __tablename__ = "pr_procedures"
    __table_args__ = (Index("ix_pr_procedures_assignment", "assignment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("pr_templates.id"))
    template_code: Mapped[str] = mapped_column(String(32))
    template_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[int] = mapped_column(Integer, index=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assignment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    matter_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # running | returned | completed
    status: Mapped[str] = mapped_column(String(16))
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ProcedureStep(Base):
    __tablename__ = "pr_steps"
    __table_args__ = (UniqueConstraint("procedure_id", "position", name="uq_pr_steps_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("pr_procedures.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    # waiting | open | returned | completed
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class StepReturn(Base):
    """A step that failed its evidence or rules: the matter went back with these reasons."""

    __tablename__ = "pr_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("pr_procedures.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    step_key: Mapped[str] = mapped_column(String(40))
    template_code: Mapped[str] = mapped_column(String(32))
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    reasons: Mapped[list] = mapped_column(JSON)
    evidence: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Project(Base):
    """揭榜: a project a township posts for its villages to bid on."""

    __tablename__ = "pr_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township_id: Mapped[int] = mapped_column(Integer, index=True)
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[int] = mapped_column(Integer)  # yuan
    criteria: Mapped[list] = mapped_column(JSON)
    matter_code: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    # open | awarded
    status: Mapped[str] = mapped_column(String(16))
    posted_by: Mapped[int] = mapped_column(Integer)
    posted_by_name: Mapped[str] = mapped_column(String(50), default="")
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    awarded_bid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    award_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    awarded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Bid(Base):
    """A village's bid (竞榜): its case and attachment references; revisable until the deadline."""

    __tablename__ = "pr_bids"
    __table_args__ = (UniqueConstraint("project_id", "village_id", name="uq_pr_bids_project_village"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("pr_projects.id"), index=True)
    village_id: Mapped[int] = mapped_column(Integer)
    village_name: Mapped[str] = mapped_column(String(100), default="")
    org_path: Mapped[str] = mapped_column(String(200))
    case: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # each attachment's facts as verified (evidence.file_facts); None for a bid made before pr03
    files: Mapped[list | None] = mapped_column(JSON, nullable=True)
    submitted_by: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revised_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # submitted | won | lost
    status: Mapped[str] = mapped_column(String(16))


class LedgerEntry(Base):
    """The procedures' own ledger (procedures, returns, projects, bids, templates): chained."""

    __tablename__ = "pr_ledger"
    __table_args__ = (Index("ix_pr_ledger_chain_seq", "chain", "chain_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(40))
    procedure_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    org_path: Mapped[str] = mapped_column(String(200), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    content: Mapped[str] = mapped_column(Text)
    chain: Mapped[str] = mapped_column(String(200))
    chain_seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # sm3 | sha256, the digest `hash` was made with (common.crypto); null on older rows: sha256
    hash_alg: Mapped[str | None] = mapped_column(String(8), nullable=True)


class LedgerHead(Base):
    """The last link of one chain: (ledger, chain) -> seq and hash. Writers lock this row
    (SELECT … FOR UPDATE) so two of them never fork a village's chain."""

    __tablename__ = "ledger_heads"

    ledger: Mapped[str] = mapped_column(String(8), primary_key=True)
    chain: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


@event.listens_for(Session, "before_flush")
def _ledger_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LedgerEntry):
            raise RuntimeError("台账记录只能追加,不能修改或删除")
