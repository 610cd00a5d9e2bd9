"""Counting attempts from a client over a window (wrong rating codes, public submissions)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from services.tasks.fieldwork.models import Attempt
from services.tasks.fieldwork.storage import _insert


def _window(now: datetime, minutes: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % (minutes * 60), UTC)


def attempts_left(
    session: Session,
    bucket: str,
    client: str,
    now: datetime,
    limit: int,
    minutes: int,
    refusal: str = "too_many_attempts",
) -> None:
    count = session.scalar(
        select(Attempt.count).where(
            Attempt.bucket == bucket, Attempt.client == client, Attempt.window_start == _window(now, minutes)
        )
    )
    if (count or 0) >= limit:
        raise DomainError(refusal, {"minutes": minutes})


def count_attempt(session: Session, bucket: str, client: str, now: datetime, minutes: int) -> None:
    stmt = _insert(session, Attempt).values(
        bucket=bucket, client=client[:100], window_start=_window(now, minutes), count=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["bucket", "client", "window_start"], set_={"count": Attempt.count + 1}
    )
    session.execute(stmt)
