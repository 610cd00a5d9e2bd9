"""The month's stored scores: reading them back, and the row a computed score is written as."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from services.scoring.bulk import fetch_all
from services.scoring.compute import Computed
from services.scoring.models import Score

SCORE_KEY = ["period", "index", "entity_kind", "entity_id"]


def score_row(month: str, c: Computed, now) -> dict:
    return {
        "period": month,
        "index": c.index,
        "entity_kind": c.entity_kind,
        "entity_id": c.entity_id,
        "value": c.value,
        "colour": c.colour,
        "org_path": c.org_path,
        "village_id": c.village_id,
        "parts": None,
        "updated_at": now,
    }


def stored_scores(session, month: str, keys: list[tuple] | None = None) -> dict[tuple, tuple]:
    """{(index, kind, id): (value, colour, org_path, village_id)} of the month, all or `keys`."""
    query = select(
        Score.index,
        Score.entity_kind,
        Score.entity_id,
        Score.value,
        Score.colour,
        Score.org_path,
        Score.village_id,
    ).where(Score.period == month)
    if keys is not None:
        query = query.where(tuple_(Score.index, Score.entity_kind, Score.entity_id).in_(keys))
    return {
        (index, kind, entity_id): tuple(rest) for index, kind, entity_id, *rest in fetch_all(session, query)
    }
