"""Rescoring the entities one event touched: their scores from their totals, written where
they changed, and what the change calls for (grid colours, praise, alerts, and the village
board of each touched township, once)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from common.events import utcnow
from services.scoring import domain
from services.scoring.announcements import alert_below, emit_colour, praise_top_ratings
from services.scoring.boards import village_board_moves
from services.scoring.bulk import write_rows
from services.scoring.compute import VILLAGE_INDICES, Computed, entity_value, load_totals, village_values
from services.scoring.domain import path_ids
from services.scoring.models import Entity, Score
from services.scoring.stored import SCORE_KEY, score_row, stored_scores


def _member_pioneers(session, month: str, village_ids: list[int]) -> dict[int, dict[int, float | None]]:
    """{village: {member: stored 先锋指数}} of the members the entity table places there."""
    out: dict[int, dict[int, float | None]] = defaultdict(dict)
    if not village_ids:
        return out
    rows = session.execute(
        select(Entity.village_id, Score.entity_id, Score.value)
        .join(
            Score,
            (Score.period == month)
            & (Score.index == "pioneer")
            & (Score.entity_kind == "member")
            & (Score.entity_id == Entity.entity_id),
        )
        .where(Entity.entity_kind == "member", Entity.village_id.in_(village_ids))
    )
    for village_id, member_id, value in rows:
        out[village_id][member_id] = value
    return out


def rescore(uow, config, month: str, touched: dict) -> None:
    """Rescore the touched entities {(kind, id): (org_path, village_id)} of `month` from
    their totals; write what changed; announce colours, praise and alerts."""
    session = uow.session
    totals = load_totals(session, [month], keys=list(touched))
    thresholds = config.raw["grid_colours"]
    empty: dict = {}
    computed: list[Computed] = []
    villages = sorted(i for k, i in touched if k == "village")
    pioneers = _member_pioneers(session, month, villages)
    ordered = sorted(touched.items())  # grids, then members, then villages: as `compute`
    for (kind, entity_id), (path, village_id) in ordered:
        t = totals.get((kind, entity_id), empty)
        if kind == "member":
            value = entity_value(config, "pioneer", t)
            computed.append(Computed("pioneer", kind, entity_id, value, None, path, village_id))
            if village_id is not None:
                pioneers[village_id][entity_id] = value
        elif kind == "grid":
            value = entity_value(config, "fortress", t)
            colour = domain.colour(thresholds, value)
            computed.append(Computed("fortress", kind, entity_id, value, None, path, village_id, colour))
    for (kind, entity_id), (path, village_id) in ordered:
        if kind != "village":
            continue
        members = pioneers.get(entity_id, {})
        pioneer = domain.mean([members[m] for m in sorted(members)])
        values = village_values(config, totals.get((kind, entity_id), empty), pioneer)
        for index in VILLAGE_INDICES:
            computed.append(Computed(index, kind, entity_id, values[index], None, path, village_id))
    keys = [(c.index, c.entity_kind, c.entity_id) for c in computed]
    existing = stored_scores(session, month, keys)
    now = utcnow()
    alerts = config.raw["alerts"]
    changed = []
    for c in computed:
        if c.index == "pioneer" and c.value is not None:
            praise_top_ratings(uow, config, month, c, totals.get((c.entity_kind, c.entity_id), empty))
        old = existing.get((c.index, c.entity_kind, c.entity_id))
        old_value, old_colour = (old[0], old[1]) if old else (None, None)
        if c.value is None and old is None:
            continue
        if old is not None and old == (c.value, c.colour, c.org_path, c.village_id):
            continue
        changed.append(c)
        if c.entity_kind == "grid" and c.colour and c.colour != old_colour:
            emit_colour(uow, month, c, old_colour)
        if old_value is not None and c.value is not None and old_value >= alerts["below"] > c.value:
            alert_below(uow, config, month, c, old_value)
    write_rows(session, Score, [score_row(month, c, now) for c in changed], SCORE_KEY, upsert=True)
    # the village board of each township with a touched, scored village, once
    townships: dict[str, None] = {}
    for c in computed:
        if c.index != "three_links":
            continue
        if c.value is None and (c.index, c.entity_kind, c.entity_id) not in existing:
            continue
        ids = path_ids(c.org_path)
        if len(ids) >= 3:
            townships.setdefault("/" + "/".join(map(str, ids[:2])) + "/")
    for township_path in townships:
        village_board_moves(uow, config, month, township_path)
