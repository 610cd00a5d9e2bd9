"""Storage: this service's own tables. Its domain tables arrive with its issue."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from common.storage import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
