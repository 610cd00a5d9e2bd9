"""Scores from totals: every stored index of the entities of some villages, with or without
their explanations (`parts`). The event path and recompute use the same value functions
(`domain.*_value`), which give exactly the numbers of the explained formulas
(`domain.*_score`); explanations are not stored but derived on read from the same totals
(`explain`), so recompute equals the incremental result (a test proves it)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select, tuple_

from services.scoring import domain
from services.scoring.bulk import fetch_all
from services.scoring.models import Entity, Total

STORED = [  # (index, entity kind) kept per month in `scores`
    ("pioneer", "member"),
    ("fortress", "grid"),
    ("fortress", "village"),
    ("service", "village"),
    ("three_links", "village"),
    ("lead_goose", "village"),
]
VILLAGE_INDICES = ("fortress", "service", "three_links", "lead_goose")


@dataclass
class Computed:
    index: str
    entity_kind: str
    entity_id: int
    value: float | None
    parts: list | None
    org_path: str
    village_id: int | None
    colour: str | None = None
    extra: dict = field(default_factory=dict)


def load_totals(
    session, months: list[str], village_ids: list[int] | None = None, keys: list[tuple] | None = None
) -> dict:
    """{(kind, id): {measure: (total, count)}} summed over `months`, optionally for the
    entities of some villages or for some (kind, id) keys."""
    query = select(
        Total.entity_kind, Total.entity_id, Total.measure, func.sum(Total.total_milli), func.sum(Total.count)
    ).where(Total.period.in_(months))
    if village_ids is not None:
        query = query.join(
            Entity, (Entity.entity_kind == Total.entity_kind) & (Entity.entity_id == Total.entity_id)
        ).where(Entity.village_id.in_(village_ids))
    if keys is not None:
        query = query.where(tuple_(Total.entity_kind, Total.entity_id).in_(keys))
    query = query.group_by(Total.entity_kind, Total.entity_id, Total.measure)
    totals: dict = defaultdict(dict)
    for kind, entity_id, measure, total_milli, count in session.execute(query):
        totals[(kind, entity_id)][measure] = (int(total_milli) / 1000.0, int(count))
    return totals


def load_entities(session, village_ids: list[int] | None = None) -> dict:
    query = select(Entity.entity_kind, Entity.entity_id, Entity.org_path, Entity.village_id)
    if village_ids is not None:
        query = query.where(Entity.village_id.in_(village_ids))
    return {(k, i): (path, vid) for k, i, path, vid in fetch_all(session, query)}


def village_values(config, totals: domain.Totals, pioneer: float | None) -> dict[str, float | None]:
    """堡垒 / 服务 / 三联 / 领雁 of one village from its totals and its members' mean 先锋指数."""
    norms = domain.normalised_indicators(config, totals, config.indicators)
    fortress = domain.index_value(config, "fortress", norms)
    service = domain.index_value(config, "service", norms)
    return {
        "fortress": fortress,
        "service": service,
        "three_links": domain.composite_value(
            config, {"pioneer": pioneer, "fortress": fortress, "service": service}
        ),
        "lead_goose": domain.lead_goose_value(config, norms),
    }


def entity_value(config, index: str, totals: domain.Totals) -> float | None:
    """先锋指数 of a member or 堡垒指数 of a grid, from its totals."""
    weights = config.indices[index]["weights"]
    return domain.index_value(config, index, domain.normalised_indicators(config, totals, weights))


def compute(
    session, config, months: list[str], village_ids: list[int] | None = None, explain: bool = True
) -> list[Computed]:
    """Every stored index for the entities of `village_ids` (all when None), from totals;
    with `explain`, each with its parts (slower), else values only (the same values)."""
    totals = load_totals(session, months, village_ids)
    entities = load_entities(session, village_ids)
    return compute_from(config, entities, totals, explain)


def compute_from(config, entities: dict, totals: dict, explain: bool = True) -> list[Computed]:
    thresholds = config.raw["grid_colours"]
    out: list[Computed] = []
    pioneer_by_village: dict[int, list[tuple[int, float | None]]] = defaultdict(list)
    ordered = sorted(entities.items())
    empty: dict = {}
    for (kind, entity_id), (path, village_id) in ordered:
        t = totals.get((kind, entity_id), empty)
        if kind == "member":
            if explain:
                value, parts = domain.index_score(config, "pioneer", t)
            else:
                value, parts = entity_value(config, "pioneer", t), None
            out.append(Computed("pioneer", kind, entity_id, value, parts, path, village_id))
            if village_id is not None:
                pioneer_by_village[village_id].append((entity_id, value))
        elif kind == "grid":
            if explain:
                value, parts = domain.index_score(config, "fortress", t)
            else:
                value, parts = entity_value(config, "fortress", t), None
            colour = domain.colour(thresholds, value)
            out.append(Computed("fortress", kind, entity_id, value, parts, path, village_id, colour))
    for (kind, entity_id), (path, village_id) in ordered:
        if kind != "village":
            continue
        t = totals.get((kind, entity_id), empty)
        pioneer = domain.mean([v for _, v in sorted(pioneer_by_village.get(entity_id, []))])
        if not explain:
            values = village_values(config, t, pioneer)
            for index in VILLAGE_INDICES:
                out.append(Computed(index, kind, entity_id, values[index], None, path, village_id))
            continue
        fortress, fortress_parts = domain.index_score(config, "fortress", t)
        service, service_parts = domain.index_score(config, "service", t)
        three, three_parts = domain.composite_score(
            config, {"pioneer": pioneer, "fortress": fortress, "service": service}
        )
        goose, goose_parts = domain.lead_goose_score(config, t)
        out.append(Computed("fortress", kind, entity_id, fortress, fortress_parts, path, village_id))
        out.append(Computed("service", kind, entity_id, service, service_parts, path, village_id))
        out.append(Computed("three_links", kind, entity_id, three, three_parts, path, village_id))
        out.append(Computed("lead_goose", kind, entity_id, goose, goose_parts, path, village_id))
    return out


def explain(session, config, months: list[str], index: str, kind: str, entity_id: int, village_id=None):
    """The parts of one stored score (member, grid or village), derived from its totals."""
    if kind in ("member", "grid"):
        t = load_totals(session, months, keys=[(kind, entity_id)]).get((kind, entity_id), {})
        return domain.index_score(config, index, t)[1]
    for c in compute(session, config, months, [village_id if village_id is not None else entity_id]):
        if (c.index, c.entity_kind, c.entity_id) == (index, kind, entity_id):
            return c.parts
    return []
