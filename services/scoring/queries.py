"""Read side of scoring: scores with their explanation, boards with movement, grid colours.

Monthly scores of members, grids and villages are stored; teams (组团, from the team↔village
replica), townships and the county (三联指数 as the mean of their villages) and village cadres
(先锋干部榜: the mean 堡垒指数 of the grids they take) are derived on read from the same
totals. Quarters and years are computed from the summed monthly totals.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from common.scope import Actor
from services.scoring import domain, engine
from services.scoring.domain import path_ids
from services.scoring.models import Fact, LinkReplica, Score

BOARDS = {
    # board -> (index, entity kind, Chinese label)
    "village_board": ("three_links", "village", "兴村治社榜"),
    "cadre_board": ("fortress", "cadre", "先锋干部榜"),
    "pioneer": ("pioneer", "member", "先锋指数排名"),
    "fortress": ("fortress", "grid", "堡垒指数排名"),
    "service": ("service", "team", "服务指数排名"),
    "three_links": ("three_links", "village", "三联指数排名"),
    "lead_goose": ("lead_goose", "village", "领雁指数排名"),
}
KINDS_OF = {
    "pioneer": {"member"},
    "fortress": {"grid", "village", "cadre"},
    "service": {"team", "village"},
    "three_links": {"village", "township", "county"},
    "lead_goose": {"village"},
}


def _prefix(path: str, depth: int) -> str:
    return "/" + "/".join(map(str, path_ids(path)[:depth])) + "/"


def _is_month(period: str) -> bool:
    return len(period) == 7 and period[5:].isdigit()


def stored_rows(session, config, index: str, kind: str, period: str, prefix: str | None) -> list[dict]:
    if _is_month(period):
        query = select(Score).where(Score.period == period, Score.index == index, Score.entity_kind == kind)
        if prefix:
            query = query.where(Score.org_path.startswith(prefix, autoescape=True))
        return [
            {
                "entity_id": s.entity_id,
                "value": s.value,
                "org_path": s.org_path,
                "colour": s.colour,
                "parts": s.parts,
                "paths": [s.org_path],
            }
            for s in session.scalars(query)
        ]
    rows = []
    for c in engine.compute(session, config, domain.months_of(period)):
        if c.index == index and c.entity_kind == kind and c.value is not None:
            if not prefix or c.org_path.startswith(prefix):
                rows.append(
                    {
                        "entity_id": c.entity_id,
                        "value": c.value,
                        "org_path": c.org_path,
                        "colour": c.colour,
                        "parts": c.parts,
                        "paths": [c.org_path],
                    }
                )
    return rows


def _links(session, kind: str) -> dict[int, list[tuple[int, str]]]:
    by_source: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for source, target, path in session.execute(
        select(LinkReplica.source_id, LinkReplica.target_id, LinkReplica.org_path)
        .where(LinkReplica.kind == kind)
        .order_by(LinkReplica.source_id, LinkReplica.target_id)
    ):
        by_source[source].append((target, path))
    return by_source


def team_rows(session, config, period: str, team_id: int | None = None) -> list[dict]:
    """服务指数 per team: the service indicators over the summed totals of its villages."""
    teams = _links(session, "team_village")
    if team_id is not None:
        teams = {team_id: teams.get(team_id, [])}
    village_ids = sorted({v for links in teams.values() for v, _ in links})
    totals = engine.load_totals(session, domain.months_of(period), village_ids) if village_ids else {}
    rows = []
    for team, links in sorted(teams.items()):
        if not links:
            continue
        summed: dict[str, list] = defaultdict(lambda: [0.0, 0])
        for village_id, _ in links:
            for measure, (total, count) in totals.get(("village", village_id), {}).items():
                summed[measure][0] += total
                summed[measure][1] += count
        value, parts = domain.index_score(config, "service", {m: (t, c) for m, (t, c) in summed.items()})
        if value is None:
            continue
        paths = [p for _, p in links]
        rows.append(
            {
                "entity_id": team,
                "value": value,
                "org_path": _prefix(paths[0], 2),
                "colour": None,
                "parts": parts,
                "paths": paths,
                "village_ids": [v for v, _ in links],
            }
        )
    return rows


def cadre_rows(session, config, period: str, prefix: str | None) -> list[dict]:
    """先锋干部榜: each village cadre by the mean 堡垒指数 of the grids they take (两委联格)."""
    grids = {r["entity_id"]: r for r in stored_rows(session, config, "fortress", "grid", period, None)}
    rows = []
    for cadre, links in sorted(_links(session, "cadre_grid").items()):
        values = [grids[g]["value"] for g, _ in links if g in grids]
        if not values:
            continue
        path = _prefix(links[0][1], 3)
        if prefix and not path.startswith(prefix):
            continue
        parts = [
            {"name": "grid", "label": "联系网格堡垒指数", "entity_id": g, "raw": grids[g]["value"]}
            for g, _ in links
            if g in grids
        ]
        rows.append(
            {
                "entity_id": cadre,
                "value": domain.mean(values),
                "org_path": path,
                "colour": None,
                "parts": parts,
                "paths": [p for _, p in links],
                "grid_ids": [g for g, _ in links],
            }
        )
    return rows


def area_rows(session, config, kind: str, period: str, prefix: str | None) -> list[dict]:
    """三联指数 of townships or the county: the mean of their villages' 三联指数."""
    depth = 2 if kind == "township" else 1
    groups: dict[str, list] = defaultdict(list)
    for row in stored_rows(session, config, "three_links", "village", period, None):
        groups[_prefix(row["org_path"], depth)].append((row["entity_id"], row["value"]))
    rows = []
    for path, villages in sorted(groups.items()):
        if prefix and not (path.startswith(prefix) or prefix.startswith(path)):
            continue
        villages.sort()
        parts = [
            {"name": "village", "label": "所辖村三联指数", "entity_id": v, "raw": value}
            for v, value in villages
        ]
        rows.append(
            {
                "entity_id": path_ids(path)[-1],
                "value": domain.mean([v for _, v in villages]),
                "org_path": path,
                "colour": None,
                "parts": parts,
                "paths": [path],
            }
        )
    return rows


def rows_for(session, config, index: str, kind: str, period: str, prefix: str | None) -> list[dict]:
    if kind == "team":
        rows = team_rows(session, config, period)
        return [r for r in rows if not prefix or any(p.startswith(prefix) for p in r["paths"])]
    if kind == "cadre":
        return cadre_rows(session, config, period, prefix)
    if kind in ("township", "county"):
        return area_rows(session, config, kind, period, prefix)
    return stored_rows(session, config, index, kind, period, prefix)


def visible(actor: Actor, row: dict) -> bool:
    return any(actor.covers(p) for p in row["paths"])


def board(
    session,
    config,
    actor: Actor,
    index: str,
    kind: str,
    period: str,
    prefix: str | None,
    page: int,
    per_page: int,
) -> dict:
    now = [r for r in rows_for(session, config, index, kind, period, prefix) if visible(actor, r)]
    before = [
        r
        for r in rows_for(session, config, index, kind, domain.previous_period(period), prefix)
        if visible(actor, r)
    ]
    previous = {e: rank for e, _, rank in domain.ranked([(r["entity_id"], r["value"]) for r in before])}
    by_id = {r["entity_id"]: r for r in now}
    items = []
    for entity_id, value, rank in domain.ranked([(r["entity_id"], r["value"]) for r in now]):
        was = previous.get(entity_id)
        items.append(
            {
                "rank": rank,
                "entity_kind": kind,
                "entity_id": entity_id,
                "value": value,
                "org_path": by_id[entity_id]["org_path"],
                "colour": by_id[entity_id]["colour"],
                "previous_rank": was,
                "movement": None if was is None else was - rank,
            }
        )
    size = config.raw["lists"]["size"]
    start = (page - 1) * per_page
    return {
        "index": index,
        "index_label": config.index_label(index),
        "entity_kind": kind,
        "period": period,
        "previous_period": domain.previous_period(period),
        "items": items[start : start + per_page],
        "honour": items[:size],
        "warning": list(reversed(items[-size:])) if len(items) > size else list(reversed(items)),
        "meta": {"page": page, "per_page": per_page, "total": len(items)},
    }


def grid_colours(session, config, actor: Actor, period: str, prefix: str | None) -> dict:
    rows = [r for r in rows_for(session, config, "fortress", "grid", period, prefix) if visible(actor, r)]
    rows.sort(key=lambda r: r["entity_id"])
    counts = {"green": 0, "yellow": 0, "red": 0}
    for row in rows:
        counts[row["colour"]] += 1
    return {
        "period": period,
        "thresholds": config.raw["grid_colours"],
        "counts": counts,
        "items": [
            {
                "grid_id": r["entity_id"],
                "value": r["value"],
                "colour": r["colour"],
                "colour_label": domain.COLOURS[r["colour"]],
                "org_path": r["org_path"],
            }
            for r in rows
        ],
    }


def _measures(config, index: str) -> set[str]:
    spec = config.indices[index]
    if index == "three_links":
        return set().union(*(_measures(config, c) for c in spec["components"]))
    if index == "lead_goose":
        names = [i for d in spec["dimensions"].values() for i in d["indicators"]]
    else:
        names = list(spec["weights"])
    return {m for n in names for m in config.indicators[n]["measures"]}


def score_detail(
    session,
    config,
    actor: Actor,
    index: str,
    kind: str,
    entity_id: int,
    period: str,
    page: int,
    per_page: int,
) -> dict | None:
    """One score opened up: each part, and the events behind it (paged), or None if unseen."""
    if kind == "team":
        rows = team_rows(session, config, period, entity_id)
    else:
        rows = [
            r for r in rows_for(session, config, index, kind, period, None) if r["entity_id"] == entity_id
        ]
    if not rows or not visible(actor, rows[0]):
        return None
    row = rows[0]
    facts = select(
        Fact.event_id,
        Fact.event_type,
        Fact.measure,
        Fact.value_milli,
        Fact.occurred_at,
        Fact.entity_kind,
        Fact.entity_id,
    ).where(Fact.period.in_(domain.months_of(period)), Fact.measure.in_(sorted(_measures(config, index))))
    if kind == "team":
        facts = facts.where(Fact.entity_kind == "village", Fact.entity_id.in_(row["village_ids"]))
    elif kind == "cadre":
        facts = facts.where(Fact.entity_kind == "grid", Fact.entity_id.in_(row["grid_ids"]))
    elif kind in ("township", "county"):
        facts = facts.where(
            Fact.entity_kind == "village", Fact.org_path.startswith(row["org_path"], autoescape=True)
        )
    else:
        facts = facts.where(Fact.entity_kind == kind, Fact.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(facts.subquery()))
    events = session.execute(
        facts.order_by(Fact.occurred_at, Fact.event_id, Fact.measure)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    peers = rows_for(
        session, config, index, kind, period, _prefix(row["org_path"], 2) if kind != "county" else None
    )
    rank = next(
        (r for e, _, r in domain.ranked([(p["entity_id"], p["value"]) for p in peers]) if e == entity_id),
        None,
    )
    return {
        "index": index,
        "index_label": config.index_label(index),
        "entity_kind": kind,
        "entity_id": entity_id,
        "period": period,
        "value": row["value"],
        "colour": row["colour"],
        "org_path": row["org_path"],
        "rank_in_township": rank,
        "parts": row["parts"],
        "events": [
            {
                "event_id": e,
                "type": t,
                "measure": m,
                "value": v / 1000.0,
                "time": at,
                "entity_kind": ek,
                "entity_id": ei,
            }
            for e, t, m, v, at, ek, ei in events
        ],
        "events_meta": {"page": page, "per_page": per_page, "total": total},
    }
