"""Storage of the Open311 face: what a GeoReport request carried beyond the mailbox matter
it became (location, media, the service chosen). Tables prefixed `os_`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common.events import utcnow
from common.storage import UtcDateTime
from services.tasks.models import Base


class ServiceRequest(Base):
    """One GeoReport service request; `matter_id` is its fw_matters row and its public id."""

    __tablename__ = "os_requests"
    __table_args__ = (Index("ix_os_requests_created", "created_at"), Index("ix_os_requests_path", "org_path"))

    matter_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_code: Mapped[str] = mapped_column(String(16))
    service_name: Mapped[str] = mapped_column(String(50))
    matter_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")  # the resident's own words
    address_string: Mapped[str | None] = mapped_column(String(300), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    long: Mapped[float | None] = mapped_column(Float, nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    reporter_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_path: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
