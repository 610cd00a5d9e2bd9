"""Storage shared by the tasks service's capabilities: the one declarative Base, the outbox
and the processed-event log. Each capability keeps its tables in its own models.py on
this Base, and its migrations on its own Alembic branch (taskflow, fieldwork)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from common.storage import OutboxMixin, ProcessedEventMixin


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass
