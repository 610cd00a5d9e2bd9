"""Storage of hotspot alerts: one row per (week, place, group); tables prefixed `hs_`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from common.events import utcnow
from common.storage import UtcDateTime
from services.tasks.models import Base


class Hotspot(Base):
    """A group of similar requests in one village or township that grew faster than usual."""

    __tablename__ = "hs_hotspots"
    __table_args__ = (
        UniqueConstraint("week", "place_kind", "place_id", "signature", name="uq_hs_hotspots"),
        Index("ix_hs_hotspots_path", "org_path"),
        Index("ix_hs_hotspots_week", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week in China time, 2026-W14
    place_kind: Mapped[str] = mapped_column(String(16))  # village | township
    place_id: Mapped[int] = mapped_column(Integer)
    place_name: Mapped[str] = mapped_column(String(100), default="")
    township_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    village_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100), default="")
    count: Mapped[int] = mapped_column(Integer)
    baseline_mean: Mapped[float] = mapped_column(Float)
    baseline_std: Mapped[float] = mapped_column(Float)
    z_score: Mapped[float] = mapped_column(Float)
    history: Mapped[list] = mapped_column(JSON, default=list)
    matter_ids: Mapped[list] = mapped_column(JSON, default=list)
    samples: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
