"""What scoring announces about one score: a grid's colour change, praise for a member's
top ratings, an alert when a score falls below the line. Each praise or alert is made once
per month and entity, claimed in `recognitions`."""

from __future__ import annotations

from common.events import DomainEvent, utcnow
from services.scoring import domain
from services.scoring.bulk import dialect_insert
from services.scoring.compute import Computed
from services.scoring.models import Recognition

ANNOUNCED_AS = {"praise": "praise.awarded", "alert": "score.dropped"}


def first_time(
    uow,
    kind: str,
    reason: str,
    month: str,
    index: str,
    entity_kind: str,
    entity_id: int,
    event_id: str,
    claimed: set | None = None,
) -> bool:
    """Claim an announcement; False if it was made already (also by a concurrent worker).
    `claimed`: the entity ids already known to hold this announcement (read in one query)."""
    session = uow.session
    if claimed is not None:
        if entity_id in claimed:
            return False
    elif session.get(Recognition, (kind, reason, month, index, entity_kind, entity_id)) is not None:
        return False
    stmt = (
        dialect_insert(session)(Recognition)
        .values(
            kind=kind,
            reason=reason,
            period=month,
            index=index,
            entity_kind=entity_kind,
            entity_id=entity_id,
            event_id=event_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    return bool(session.execute(stmt).rowcount)


def subject_fields(config, c: Computed, month: str) -> dict:
    return {
        **domain.place_of(c.org_path),
        "index": c.index,
        "index_label": config.index_label(c.index),
        "entity_kind": c.entity_kind,
        "entity_id": c.entity_id,
        "period": month,
        "value": c.value,
        "member_id": c.entity_id if c.entity_kind == "member" else None,
    }


def emit_colour(uow, month: str, c: Computed, previous: str | None) -> None:
    uow.emit(
        DomainEvent(
            service="scoring",
            name="grid_colour.changed",
            subject=f"grids/{c.entity_id}",
            org_path=c.org_path,
            data={
                **domain.place_of(c.org_path),
                "grid_id": c.entity_id,
                "period": month,
                "colour": c.colour,
                "colour_label": domain.COLOURS[c.colour],
                "previous_colour": previous,
                "value": c.value,
            },
        )
    )


def announce_once(
    uow, config, month: str, c: Computed, kind: str, reason: str, fields: dict, claimed: set | None = None
) -> None:
    """Praise (`kind` "praise") or alert ("alert") about `c`, unless this month's was made
    already; the event's id is what the claim records."""
    data = {**subject_fields(config, c, month), "reason": reason, **fields}
    event = DomainEvent(
        service="scoring",
        name=ANNOUNCED_AS[kind],
        subject=f"{c.entity_kind}s/{c.entity_id}",
        org_path=c.org_path,
        data=data,
    )
    if first_time(uow, kind, reason, month, c.index, c.entity_kind, c.entity_id, event.id, claimed):
        uow.emit(event)


def alert_below(uow, config, month: str, c: Computed, previous: float) -> None:
    threshold = config.raw["alerts"]["below"]
    label = config.index_label(c.index)
    fields = {
        "previous_value": previous,
        "threshold": threshold,
        "rank": None,
        "previous_rank": None,
        "message": f"{domain.ENTITY_LABELS[c.entity_kind]}{label}降至 {c.value:g},低于预警线 {threshold:g}",
    }
    announce_once(uow, config, month, c, "alert", "below_threshold", fields)


def praise_top_ratings(uow, config, month: str, c: Computed, totals: domain.Totals) -> None:
    praise = config.raw["praise"]
    if "household_satisfaction" not in config.indices["pioneer"]["weights"]:
        return
    raw = domain.top_rating_raw(config, totals)
    if raw is None or raw < praise["top_rating"]:
        return
    count = totals.get("visit_rating", (0.0, 0))[1]
    if count < praise["min_ratings"]:
        return
    fields = {
        "board": None,
        "board_label": None,
        "rank": None,
        "message": f"党员本月 {count} 次走访均获群众满分评价,予以表扬",
    }
    announce_once(uow, config, month, c, "praise", "top_ratings", fields)
