"""The daily digest: one push per person summing up their lines of a local day still unread,
built once per person and day, after NOTIFY_DIGEST_HOUR."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from common.errors import DomainError
from common.events import DomainEvent, utcnow
from services.notify import domain
from services.notify.delivery import queue_push
from services.notify.models import Digest, Notification


def due_day(now: datetime, tz: timezone, hour: int) -> str | None:
    """Yesterday (local), once the digest hour has come; else None."""
    local = now.astimezone(tz)
    return (local.date() - timedelta(days=1)).isoformat() if local.hour >= hour else None


def parse_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError) as exc:
        raise DomainError("validation_failed", fields={"day": ["应为 YYYY-MM-DD"]}) from exc


def send_digests(uow, day: str, the_day: date, tz: timezone, adapter) -> int:
    """Queue the digest of `day` (as given; `the_day` parsed) for everyone who has none yet;
    returns how many."""
    start, end = domain.local_day_bounds(the_day, tz)
    now = utcnow()
    s = uow.session
    rows = s.execute(
        select(Notification.person_id, Notification.kind, Notification.title)
        .where(
            Notification.read_at.is_(None), Notification.created_at >= start, Notification.created_at < end
        )
        .order_by(Notification.person_id, Notification.id)
    ).all()
    by_person: dict[int, list[tuple[str, str]]] = {}
    for person_id, kind, title in rows:
        by_person.setdefault(person_id, []).append((kind, title))
    done = set(s.scalars(select(Digest.person_id).where(Digest.day == day)).all())
    sent = 0
    for person_id, items in by_person.items():
        if person_id in done:
            continue
        title, text = domain.digest_text(the_day, items)
        s.add(Digest(person_id=person_id, day=day, count=len(items), created_at=now))
        queue_push(s, adapter, person_id, title, text, now)
        uow.emit(
            DomainEvent(
                "notify",
                "digest.sent",
                {"person_id": person_id, "day": day, "count": len(items)},
                subject=f"people/{person_id}/digests/{day}",
            )
        )
        sent += 1
    return sent
