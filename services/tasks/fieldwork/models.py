"""Storage of the fieldwork capability: its tables on the tasks service's Base.

Every table is prefixed `fw_`. What this capability knows about other services' things
(member↔household links and their places, who answers for a grid) is a replica here,
filled from grids look-ups and events.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.events import utcnow
from common.sealed import Sealed
from common.storage import BigIntPK, UtcDateTime
from services.tasks.models import Base


class MemberLink(Base):
    """Replica of grids' active member↔household links (党员联户) with their places."""

    __tablename__ = "fw_member_links"
    __table_args__ = (
        Index("ix_fw_member_links_member", "member_id"),
        Index("ix_fw_member_links_household", "household_id"),
    )

    link_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class GridContact(Base):
    """Who answers for a grid (from grids `responsible_for_grid`), cached for alerts and intake."""

    __tablename__ = "fw_grid_contacts"

    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    grid_workers: Mapped[list] = mapped_column(JSON, default=list)
    cadres: Mapped[list] = mapped_column(JSON, default=list)
    village_secretaries: Mapped[list] = mapped_column(JSON, default=list)
    refreshed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class VisitList(Base):
    """A member's list for a month: one row per (month, member), the anchor of its event."""

    __tablename__ = "fw_visit_lists"
    __table_args__ = (UniqueConstraint("month", "member_id", name="uq_fw_visit_lists"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))
    member_id: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer, default=0)
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class VisitListItem(Base):
    """One household due a visit by one member in one month."""

    __tablename__ = "fw_visit_list_items"
    __table_args__ = (
        # month-first serves lists, stats and alerts (all read one month); no other index,
        # so the monthly bulk insert of ~530,000 rows maintains only this one
        UniqueConstraint("month", "member_id", "household_id", name="uq_fw_visit_list_items"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))
    member_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    visited_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Visit(Base):
    __tablename__ = "fw_visits"
    __table_args__ = (
        Index("ix_fw_visits_member_month", "member_id", "month"),
        Index("ix_fw_visits_month_path", "month", "org_path"),
        # a phone that sends a queued visit twice (lost answer, retry) records it once
        UniqueConstraint("member_id", "client_key", name="uq_fw_visits_member_client_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    member_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int] = mapped_column(Integer)
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    visited_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")
    attachment_ids: Mapped[list] = mapped_column(JSON, default=list)
    on_time: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_raised: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)


class RatingCode(Base):
    """A one-time code sent to the household's phone; only its hash is kept."""

    __tablename__ = "fw_rating_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    visit_id: Mapped[int] = mapped_column(Integer, index=True)
    household_id: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Attempt(Base):
    """Failures per client key in a fixed window: wrong rating codes, public mailbox posts."""

    __tablename__ = "fw_attempts"
    __table_args__ = (UniqueConstraint("bucket", "client", "window_start", name="uq_fw_attempts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(100))
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)


class Matter(Base):
    """A need, event or mailbox item on the ladder: grid → village → department."""

    __tablename__ = "fw_matters"
    __table_args__ = (
        Index("ix_fw_matters_path", "org_path"),
        Index("ix_fw_matters_open_deadline", "status", "deadline"),
        Index("ix_fw_matters_department", "department_id"),
        UniqueConstraint("reporter_id", "client_key", name="uq_fw_matters_reporter_client_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text | voice | photo (mailbox)
    level: Mapped[str] = mapped_column(String(16), default="grid")
    status: Mapped[str] = mapped_column(String(16), default="open")
    grid_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    month: Mapped[str] = mapped_column(String(7))
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    household_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reporter_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reporter_phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)  # sealed at rest
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a letter sent twice
    handler_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attachment_ids: Mapped[list] = mapped_column(JSON, default=list)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)  # ever reached village or above
    auto_escalations: Mapped[int] = mapped_column(Integer, default=0)
    overdue_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    level_since: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolved_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class LedgerEntry(Base):
    """The automatic trail (无感留痕): every step, written in the unit of work that took it. Append-only."""

    __tablename__ = "fw_ledger"
    __table_args__ = (Index("ix_fw_ledger_matter", "matter_id"), Index("ix_fw_ledger_visit", "visit_id"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    matter_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    visit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    org_path: Mapped[str] = mapped_column(String(200), default="")
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Attachment(Base):
    """A stored file, addressed by its content hash; the bytes live in the attachment store."""

    __tablename__ = "fw_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # a photo's EXIF capture time and place (services/tasks/fieldwork/capture.py)
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    taken_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    taken_lng: Mapped[float | None] = mapped_column(Float, nullable=True)


class Alert(Base):
    """One alert per (kind, subject, month, phase): re-running a check raises nothing twice."""

    __tablename__ = "fw_alerts"
    __table_args__ = (
        UniqueConstraint("kind", "subject_kind", "subject_id", "period", name="uq_fw_alerts"),
        Index("ix_fw_alerts_path", "org_path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(32))  # "2026-03/mid", or "grid" for a matter's level
    month: Mapped[str | None] = mapped_column(String(7), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    person_ids: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    org_path: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Settings(Base):
    """Deadlines and alert thresholds per county (county_id 0 = the platform default)."""

    __tablename__ = "fw_settings"

    county_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    grid_days: Mapped[float] = mapped_column(Float, default=2)
    village_days: Mapped[float] = mapped_column(Float, default=3)
    department_days: Mapped[float] = mapped_column(Float, default=5)
    visit_rate_mid: Mapped[float] = mapped_column(Float, default=0.4)
    visit_rate_end: Mapped[float] = mapped_column(Float, default=0.9)
    completion_rate_mid: Mapped[float] = mapped_column(Float, default=0.5)
    completion_rate_end: Mapped[float] = mapped_column(Float, default=0.8)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# What common.rekey seals, opens and rotates in the tasks database: table -> (columns, blind indexes)
SEALED_COLUMNS = {"fw_matters": (("reporter_phone",), {})}
