"""Read side of scoring: scores with their explanation, boards with movement, grid colours.

Monthly scores of members, grids and villages are stored (values; an explanation is
derived from the totals when a score is opened); teams (组团, from the team↔village
replica), townships and the county (三联指数 as the mean of their villages), cadres
(先锋干部榜: a village cadre by the mean 堡垒指数 of the grids they take, a team cadre by
the 服务指数 of their team) and village secretaries (领雁指数 of their village) are derived
on read from the same totals. Quarters and years are computed from the summed monthly totals.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, or_, select

from common.scope import Actor
from services.scoring import compute, domain
from services.scoring.domain import path_ids
from services.scoring.models import Fact, LinkReplica, Score, TeamMember, VillageSecretary

BOARDS = {
    # board -> (index, entity kind, Chinese label)
    "village_board": ("three_links", "village", "兴村治社榜"),
    "cadre_board": ("fortress", "cadre", "先锋干部榜"),
    "pioneer": ("pioneer", "member", "先锋指数排名"),
    "fortress": ("fortress", "grid", "堡垒指数排名"),
    "service": ("service", "team", "服务指数排名"),
    "three_links": ("three_links", "village", "三联指数排名"),
    "lead_goose": ("lead_goose", "secretary", "领雁指数排名"),
}
KINDS_OF = {
    "pioneer": {"member"},
    "fortress": {"grid", "village", "cadre"},
    "service": {"team", "village"},
    "three_links": {"village", "township", "county"},
    "lead_goose": {"village", "secretary"},
}


def _prefix(path: str, depth: int) -> str:
    return "/" + "/".join(map(str, path_ids(path)[:depth])) + "/"


def _is_month(period: str) -> bool:
    return len(period) == 7 and period[5:].isdigit()


def stored_rows(session, config, index: str, kind: str, period: str, prefix: str | None) -> list[dict]:
    """Rows of a stored index (member, grid, village); `parts` is filled in by `explained`."""
    if _is_month(period):
        query = select(Score.entity_id, Score.value, Score.org_path, Score.colour, Score.village_id).where(
            Score.period == period, Score.index == index, Score.entity_kind == kind
        )
        if prefix:
            query = query.where(Score.org_path.startswith(prefix, autoescape=True))
        return [
            {
                "entity_id": entity_id,
                "value": value,
                "org_path": path,
                "colour": colour,
                "village_id": village_id,
                "parts": None,
                "paths": [path],
            }
            for entity_id, value, path, colour, village_id in session.execute(query)
        ]
    rows = []
    for c in compute.compute(session, config, domain.months_of(period), explain=False):
        if c.index == index and c.entity_kind == kind and c.value is not None:
            if not prefix or c.org_path.startswith(prefix):
                rows.append(
                    {
                        "entity_id": c.entity_id,
                        "value": c.value,
                        "org_path": c.org_path,
                        "colour": c.colour,
                        "village_id": c.village_id,
                        "parts": None,
                        "paths": [c.org_path],
                    }
                )
    return rows


def explained(session, config, index: str, kind: str, period: str, row: dict) -> list:
    """The parts of a stored row, derived from the same totals as its value."""
    if row.get("parts") is None:
        row["parts"] = compute.explain(
            session, config, domain.months_of(period), index, kind, row["entity_id"], row.get("village_id")
        )
    return row["parts"]


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
    totals = compute.load_totals(session, domain.months_of(period), village_ids) if village_ids else {}
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


def _people(session, model, key) -> dict[int, list[int]]:
    """{person: [team or village ids]} of `team_members` or `village_secretaries`."""
    by_person: dict[int, list[int]] = defaultdict(list)
    for place, person in session.execute(select(key, model.person_id).order_by(model.person_id, key)):
        by_person[person].append(place)
    return by_person


def cadre_rows(session, config, period: str, prefix: str | None) -> list[dict]:
    """先锋干部榜: each village cadre by the mean 堡垒指数 of the grids they take (两委联格),
    each team cadre by the 服务指数 of their team (组团联村); someone who is both, by the mean."""
    grids = {r["entity_id"]: r for r in stored_rows(session, config, "fortress", "grid", period, None)}
    grid_links = _links(session, "cadre_grid")
    team_of = _people(session, TeamMember, TeamMember.team_id)
    teams = {r["entity_id"]: r for r in team_rows(session, config, period)} if team_of else {}
    rows = []
    for cadre in sorted(set(grid_links) | set(team_of)):
        links = grid_links.get(cadre, [])
        mine = [teams[t] for t in team_of.get(cadre, []) if t in teams]
        values = [grids[g]["value"] for g, _ in links if g in grids] + [t["value"] for t in mine]
        if not values:
            continue
        paths = [p for _, p in links] + [p for t in mine for p in t["paths"]]
        path = _prefix(links[0][1], 3) if links else mine[0]["org_path"]
        if prefix and not (
            path.startswith(prefix) or any(p.startswith(prefix) for t in mine for p in t["paths"])
        ):
            continue
        parts = [
            {"name": "grid", "label": "联系网格堡垒指数", "entity_id": g, "raw": grids[g]["value"]}
            for g, _ in links
            if g in grids
        ] + [
            {"name": "team", "label": "所在组团服务指数", "entity_id": t["entity_id"], "raw": t["value"]}
            for t in mine
        ]
        rows.append(
            {
                "entity_id": cadre,
                "value": domain.mean(values),
                "org_path": path,
                "colour": None,
                "parts": parts,
                "paths": paths,
                "grid_ids": [g for g, _ in links],
                "village_ids": sorted({v for t in mine for v in t["village_ids"]}),
            }
        )
    return rows


def secretary_rows(session, config, period: str, prefix: str | None) -> list[dict]:
    """领雁指数 per village secretary (村党组织书记): their village's; by the mean if they lead
    more than one."""
    villages = {
        r["entity_id"]: r for r in stored_rows(session, config, "lead_goose", "village", period, None)
    }
    rows = []
    for person, led in sorted(_people(session, VillageSecretary, VillageSecretary.village_id).items()):
        mine = [villages[v] for v in led if v in villages and villages[v]["value"] is not None]
        if not mine:
            continue
        paths = [r["org_path"] for r in mine]
        if prefix and not any(p.startswith(prefix) for p in paths):
            continue
        rows.append(
            {
                "entity_id": person,
                "value": domain.mean([r["value"] for r in mine]),
                "org_path": paths[0],
                "colour": None,
                "parts": None,
                "villages": mine,
                "paths": paths,
                "village_ids": [r["entity_id"] for r in mine],
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
    if kind == "secretary":
        return secretary_rows(session, config, period, prefix)
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
    honour, warning = domain.honour_and_warning(items, config.raw["lists"]["size"])
    no_data = [
        {"entity_kind": kind, "entity_id": r["entity_id"], "org_path": r["org_path"]}
        for r in sorted(now, key=lambda r: r["entity_id"])
        if r["value"] is None
    ]
    start = (page - 1) * per_page
    return {
        "index": index,
        "index_label": config.index_label(index),
        "entity_kind": kind,
        "period": period,
        "previous_period": domain.previous_period(period),
        "items": items[start : start + per_page],
        "honour": honour,
        "warning": warning,
        "no_data": no_data,
        "meta": {"page": page, "per_page": per_page, "total": len(items)},
    }


def grid_colours(
    session, config, actor: Actor, period: str, prefix: str | None, every_grid: list[dict]
) -> dict:
    """Every grid in view gets a colour: its score's, or grey when it has no data this period.
    `every_grid` is the grids under the place asked for (grids' look-up: id, name, path)."""
    scored = {
        r["entity_id"]: r
        for r in rows_for(session, config, "fortress", "grid", period, prefix)
        if visible(actor, r)
    }
    names = {g["id"]: g["name"] for g in every_grid}
    paths = {g["id"]: g["path"] for g in every_grid if actor.covers(g["path"])}
    paths.update({grid_id: r["org_path"] for grid_id, r in scored.items() if grid_id not in paths})
    counts = dict.fromkeys(domain.COLOURS, 0)
    items = []
    for grid_id in sorted(paths):
        row = scored.get(grid_id)
        colour = domain.shown_colour(row["colour"] if row else None)
        counts[colour] += 1
        items.append(
            {
                "grid_id": grid_id,
                "name": names.get(grid_id),
                "value": row["value"] if row else None,
                "colour": colour,
                "colour_label": domain.COLOURS[colour],
                "no_data": colour == domain.NO_DATA,
                "org_path": paths[grid_id],
            }
        )
    return {"period": period, "thresholds": config.raw["grid_colours"], "counts": counts, "items": items}


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
    if kind == "secretary":
        if len(row["villages"]) == 1:  # the six dimensions of their village
            parts = explained(session, config, index, "village", period, row["villages"][0])
        else:
            parts = [
                {"name": "village", "label": "所任村领雁指数", "entity_id": v["entity_id"], "raw": v["value"]}
                for v in row["villages"]
            ]
    elif row["parts"] is None:
        parts = explained(session, config, index, kind, period, row)
    else:
        parts = row["parts"]
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
        facts = facts.where(
            or_(
                (Fact.entity_kind == "grid") & Fact.entity_id.in_(row["grid_ids"]),
                (Fact.entity_kind == "village") & Fact.entity_id.in_(row["village_ids"]),
            )
        )
    elif kind == "secretary":
        facts = facts.where(Fact.entity_kind == "village", Fact.entity_id.in_(row["village_ids"]))
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
        "no_data_indicators": domain.no_data_labels(parts),
        "entity_kind": kind,
        "entity_id": entity_id,
        "period": period,
        "value": row["value"],
        "colour": row["colour"],
        "org_path": row["org_path"],
        "rank_in_township": rank,
        "parts": parts,
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
