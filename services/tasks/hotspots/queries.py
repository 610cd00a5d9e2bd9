"""Read side of hotspot early warning: alerts in the reader's part of the tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import not_found
from common.scope import Actor
from services.tasks.fieldwork.domain import PLACE_READERS
from services.tasks.fieldwork.queries import in_scope, paginate
from services.tasks.hotspots.models import Hotspot

# Who reads hotspots: people who answer for a place (county, township, village, team cadres);
# each sees the villages and townships inside their scope.
READERS = PLACE_READERS


def hotspot_dict(h: Hotspot) -> dict:
    return {
        "id": h.id,
        "week": h.week,
        "place_kind": h.place_kind,
        "place_id": h.place_id,
        "place_name": h.place_name,
        "township_id": h.township_id,
        "village_id": h.village_id,
        "label": h.label,
        "count": h.count,
        "baseline_mean": h.baseline_mean,
        "baseline_std": h.baseline_std,
        "z_score": h.z_score,
        "history": h.history,
        "matter_ids": h.matter_ids,
        "samples": h.samples,
        "message": h.message,
        "created_at": h.created_at,
    }


def hotspots(session: Session, actor: Actor, q: dict) -> tuple[list[dict], int]:
    actor.require(*READERS)
    query = (
        select(Hotspot)
        .where(in_scope(Hotspot.org_path, actor.scope))
        .order_by(Hotspot.week.desc(), Hotspot.z_score.desc(), Hotspot.id)
    )
    for key in ("week", "place_kind", "township_id", "village_id"):
        if q.get(key) is not None:
            query = query.where(getattr(Hotspot, key) == q[key])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return [hotspot_dict(h) for h in rows], total


def hotspot(session: Session, actor: Actor, hotspot_id: int) -> dict:
    actor.require(*READERS)
    row = session.scalar(
        select(Hotspot).where(Hotspot.id == hotspot_id, in_scope(Hotspot.org_path, actor.scope))
    )
    if row is None:
        raise not_found("热点预警", "hotspot")
    return hotspot_dict(row)
