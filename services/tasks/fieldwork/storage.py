"""Small storage helpers of the fieldwork capability, shared by its command modules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from common.china_time import aware_or_none

SERVICE = "tasks"


_aware = aware_or_none  # naive as UTC (common/china_time)


def _iso(moment: datetime | None) -> str | None:
    return _aware(moment).isoformat() if moment is not None else None


def _insert(session: Session, model):
    """INSERT with ON CONFLICT support on both backends."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
