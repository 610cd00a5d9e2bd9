"""The event store: every event notify sees is archived, and replayed to managers in arrival
order inside their scope, by time range and/or after the last id they saw."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import not_found
from common.events import to_cloudevent
from common.scope import Actor
from common.storage import in_scope
from services.notify import domain
from services.notify.models import StoredEvent
from services.notify.settings import as_utc, parse_now


def archive(session, event: dict) -> None:
    session.add(
        StoredEvent(
            event_id=event["id"],
            type=event["type"],
            source=event.get("source", ""),
            subject=event.get("subject") or "",
            org_path=event.get("orgpath") or "",
            time=parse_now(event.get("time")),
            data=event.get("data") or {},
        )
    )


def replay(session, who: Actor, q: dict) -> dict:
    rows = select(StoredEvent)
    if q["after"]:
        seq = session.scalar(select(StoredEvent.seq).where(StoredEvent.event_id == q["after"]))
        if seq is None:
            raise not_found("事件", "event")
        rows = rows.where(StoredEvent.seq > seq)
    if q["since"]:
        rows = rows.where(StoredEvent.time >= q["since"])
    if q["until"]:
        rows = rows.where(StoredEvent.time < q["until"])
    pattern = q["type"]
    if pattern and "*" not in pattern and "#" not in pattern:
        rows = rows.where(StoredEvent.type == pattern)
    elif pattern and pattern.endswith(".#") and not any(c in pattern[:-2] for c in "*#"):
        rows = rows.where(StoredEvent.type.startswith(pattern[:-1], autoescape=True))
    if not who.scope:
        return {"items": [], "next_after": None}
    rows = rows.where(in_scope(StoredEvent.org_path, who.scope)).order_by(StoredEvent.seq)
    # a pattern SQL cannot express is applied here, over a bounded scan
    scan = q["limit"] * 4 if pattern else q["limit"]
    items, last, scanned = [], None, 0
    for row in session.scalars(rows.limit(scan)):
        scanned, last = scanned + 1, row.event_id
        if pattern and not domain.topic_matches(pattern, row.type):
            continue
        items.append(_cloudevent(row))
        if len(items) == q["limit"]:
            break
    more = len(items) == q["limit"] or scanned == scan
    return {"items": items, "next_after": last if more else None}


def _cloudevent(row: StoredEvent) -> dict:
    return to_cloudevent(
        id=row.event_id,
        type=row.type,
        source=row.source,
        time=as_utc(row.time),
        subject=row.subject,
        data=row.data,
        org_path=row.org_path,
    )
