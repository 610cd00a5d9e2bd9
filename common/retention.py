"""Retention: what the platform keeps only for a while. Published outbox rows (the broker
has them), processed-event records (a redelivery comes within minutes, not weeks) and, in
notify, the event store for replay are pruned after a configurable number of days. The
audit trail and the ledgers are never pruned (docs/compliance.md).

`prune` runs in one replica at a time: on PostgreSQL it takes a transaction-level advisory
lock and returns at once when another replica holds it; SQLite has a single process."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from common.config import env

DEFAULTS = {"GOV_OUTBOX_KEEP_DAYS": 7, "GOV_PROCESSED_KEEP_DAYS": 30, "GOV_EVENT_STORE_KEEP_DAYS": 90}
INTERVAL_SECONDS = 3600


def keep_days(name: str) -> int:
    """Days to keep, from the environment (at least 1: nothing is dropped the day it is made)."""
    value = env(name)
    try:
        days = int(value) if value else DEFAULTS[name]
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number of days, not {value!r}") from exc
    return max(days, 1)


@dataclass(frozen=True)
class Rule:
    """Rows of `model` whose `column` lies more than `days` back are dropped."""

    model: Any  # a mapped class
    column: str
    days: int

    def cutoff(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)


def _lock_key(name: str) -> int:
    return zlib.crc32(f"retention:{name}".encode())


def _one_replica(session: Session, name: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(_lock_key(name)))))


def prune(
    session_factory: sessionmaker[Session], name: str, rules: list[Rule], now: datetime
) -> dict[str, int] | None:
    """Drop what each rule no longer keeps, in one transaction; None when another replica is
    pruning. Returns the rows dropped per table."""
    with session_factory() as session:
        if not _one_replica(session, name):
            return None
        dropped: dict[str, int] = {}
        for rule in rules:
            column = getattr(rule.model, rule.column)
            result = cast(
                CursorResult[Any], session.execute(delete(rule.model).where(column < rule.cutoff(now)))
            )
            dropped[rule.model.__tablename__] = result.rowcount or 0
        session.commit()
        return dropped
