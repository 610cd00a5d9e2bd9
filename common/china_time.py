"""China time, the platform's calendar: months, "today" and deadlines are reckoned in UTC+8
(no daylight saving), so a visit at 23:30 on the 31st belongs to that month. A naive moment
is read as UTC, as the databases store it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def aware_or_none(moment: datetime | None) -> datetime | None:
    """A stored moment as read back (SQLite hands back naive datetimes, stored as UTC)."""
    return None if moment is None else aware(moment)


def month_of(moment: datetime) -> str:
    """`YYYY-MM` of the moment in China time."""
    return aware(moment).astimezone(CHINA).strftime("%Y-%m")


def china_today(moment: datetime) -> date:
    return aware(moment).astimezone(CHINA).date()


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` month in China time, as aware datetimes."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=CHINA)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CHINA)
    return start, end


def previous_month(month: str) -> str:
    start, _ = month_bounds(month)
    return month_of(start - timedelta(days=1))
