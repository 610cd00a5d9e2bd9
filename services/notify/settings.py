"""The NOTIFY_* settings, read from the nameko config (not the environment), and the moments
callers hand in as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from common.errors import DomainError
from common.events import utcnow
from services.notify import domain


def quiet_hours(config) -> domain.QuietHours | None:
    return domain.QuietHours.parse(
        config.get("NOTIFY_QUIET_HOURS"), float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))
    )


def local_zone(config) -> timezone:
    return timezone(timedelta(hours=float(config.get("NOTIFY_UTC_OFFSET_HOURS", 8))))


@dataclass(frozen=True)
class Retries:
    """How often a failed delivery is tried again, and how long it waits in between."""

    max_attempts: int
    base_seconds: float
    cap_seconds: float

    @classmethod
    def from_config(cls, config) -> Retries:
        return cls(
            int(config.get("NOTIFY_MAX_ATTEMPTS", 6)),
            float(config.get("NOTIFY_BACKOFF_SECONDS", 30)),
            float(config.get("NOTIFY_BACKOFF_MAX_SECONDS", 3600)),
        )


def as_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite hands back naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def parse_now(now: str | None) -> datetime:
    if not now:
        return utcnow()
    try:
        return as_utc(datetime.fromisoformat(now))
    except ValueError as exc:
        raise DomainError("validation_failed", fields={"now": ["应为 ISO 8601 时间"]}) from exc
