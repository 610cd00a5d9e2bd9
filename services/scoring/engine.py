"""Write side of scoring: events become facts and totals, totals become scores.

- `apply_event`: one consumed event → its facts, the totals they change (upserted in the
  same unit of work), and the scores of the village it concerns, rescored from totals;
  grid colour changes, praise and alerts are emitted from the same unit of work.
- `recompute`: rebuilds a month's totals from the facts with one set-based statement and
  rescores every entity of the month in one pass; the same `compute` is used by both
  paths, so the results are equal (a test proves it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from common.events import DomainEvent, utcnow
from services.scoring import domain
from services.scoring.domain import path_ids
from services.scoring.models import Entity, Fact, LinkReplica, Recognition, Score, Total

STORED = [  # (index, entity kind) kept per month in `scores`
    ("pioneer", "member"),
    ("fortress", "grid"),
    ("fortress", "village"),
    ("service", "village"),
    ("three_links", "village"),
    ("lead_goose", "village"),
]


def _upsert(session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def _milli(value: float) -> int:
    return int(round(value * 1000))


@dataclass
class Computed:
    index: str
    entity_kind: str
    entity_id: int
    value: float | None
    parts: list
    org_path: str
    village_id: int | None
    colour: str | None = None
    extra: dict = field(default_factory=dict)


# -- reading totals ----------------------------------------------------------------------


def load_totals(session, months: list[str], village_ids: list[int] | None = None) -> dict:
    """{(kind, id): {measure: (total, count)}} summed over `months`, optionally for some villages."""
    query = select(
        Total.entity_kind, Total.entity_id, Total.measure, func.sum(Total.total_milli), func.sum(Total.count)
    ).where(Total.period.in_(months))
    if village_ids is not None:
        query = query.join(
            Entity, (Entity.entity_kind == Total.entity_kind) & (Entity.entity_id == Total.entity_id)
        ).where(Entity.village_id.in_(village_ids))
    query = query.group_by(Total.entity_kind, Total.entity_id, Total.measure)
    totals: dict = defaultdict(dict)
    for kind, entity_id, measure, total_milli, count in session.execute(query):
        totals[(kind, entity_id)][measure] = (int(total_milli) / 1000.0, int(count))
    return totals


def load_entities(session, village_ids: list[int] | None = None) -> dict:
    query = select(Entity.entity_kind, Entity.entity_id, Entity.org_path, Entity.village_id)
    if village_ids is not None:
        query = query.where(Entity.village_id.in_(village_ids))
    return {(k, i): (path, vid) for k, i, path, vid in session.execute(query)}


def compute(session, config, months: list[str], village_ids: list[int] | None = None) -> list[Computed]:
    """Every stored index for the entities of `village_ids` (all when None), from totals."""
    totals = load_totals(session, months, village_ids)
    entities = load_entities(session, village_ids)
    thresholds = config.raw["grid_colours"]
    out: list[Computed] = []
    pioneer_by_village: dict[int, list[tuple[int, float | None]]] = defaultdict(list)
    for (kind, entity_id), (path, village_id) in sorted(entities.items()):
        t = totals.get((kind, entity_id), {})
        if kind == "member":
            value, parts = domain.index_score(config, "pioneer", t)
            out.append(Computed("pioneer", kind, entity_id, value, parts, path, village_id))
            if village_id is not None:
                pioneer_by_village[village_id].append((entity_id, value))
        elif kind == "grid":
            value, parts = domain.index_score(config, "fortress", t)
            colour = domain.colour(thresholds, value)
            out.append(Computed("fortress", kind, entity_id, value, parts, path, village_id, colour))
    for (kind, entity_id), (path, village_id) in sorted(entities.items()):
        if kind != "village":
            continue
        t = totals.get((kind, entity_id), {})
        fortress, fortress_parts = domain.index_score(config, "fortress", t)
        service, service_parts = domain.index_score(config, "service", t)
        pioneer = domain.mean([v for _, v in sorted(pioneer_by_village.get(entity_id, []))])
        three, three_parts = domain.composite_score(
            config, {"pioneer": pioneer, "fortress": fortress, "service": service}
        )
        goose, goose_parts = domain.lead_goose_score(config, t)
        out.append(Computed("fortress", kind, entity_id, fortress, fortress_parts, path, village_id))
        out.append(Computed("service", kind, entity_id, service, service_parts, path, village_id))
        out.append(Computed("three_links", kind, entity_id, three, three_parts, path, village_id))
        out.append(Computed("lead_goose", kind, entity_id, goose, goose_parts, path, village_id))
    return out


# -- applying one event ------------------------------------------------------------------


def _register_entities(session, facts: list[domain.Fact]) -> list[int]:
    """Upsert where each entity sits; on PostgreSQL this also locks the village rows first,
    so that events of one village are scored one after the other."""
    rows = {}
    for fact in facts:
        ids = path_ids(fact.org_path)
        village_id = fact.entity_id if fact.entity_kind == "village" else (ids[2] if len(ids) > 2 else None)
        rows[(fact.entity_kind, fact.entity_id)] = {
            "entity_kind": fact.entity_kind,
            "entity_id": fact.entity_id,
            "org_path": fact.org_path,
            "township_id": ids[1] if len(ids) > 1 else None,
            "village_id": village_id,
            "version": 0,
        }
    order = {"village": 0, "grid": 1, "member": 2}
    ins = _upsert(session)
    for key in sorted(rows, key=lambda k: (order.get(k[0], 3), k[1])):
        stmt = ins(Entity).values(rows[key])
        stmt = stmt.on_conflict_do_update(
            index_elements=["entity_kind", "entity_id"],
            set_={
                "org_path": stmt.excluded.org_path,
                "village_id": stmt.excluded.village_id,
                "township_id": stmt.excluded.township_id,
                "version": Entity.version + 1,
            },
        )
        session.execute(stmt)
    return sorted({r["village_id"] for r in rows.values() if r["village_id"] is not None})


def apply_event(uow, config, event: dict) -> int:
    """Record the facts of one event and rescore its village(s). Returns the facts written."""
    month, facts = domain.facts_for(event)
    if not facts:
        return 0
    session = uow.session
    village_ids = _register_entities(session, facts)
    occurred = domain.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    session.execute(
        insert(Fact),
        [
            {
                "event_id": event["id"],
                "event_type": event["type"],
                "entity_kind": f.entity_kind,
                "entity_id": f.entity_id,
                "measure": f.measure,
                "period": month,
                "value_milli": _milli(f.value),
                "org_path": f.org_path,
                "occurred_at": occurred,
            }
            for f in facts
        ],
    )
    sums: dict = defaultdict(lambda: [0, 0])
    for f in facts:
        sums[(f.entity_kind, f.entity_id, f.measure)][0] += _milli(f.value)
        sums[(f.entity_kind, f.entity_id, f.measure)][1] += 1
    ins = _upsert(session)
    for (kind, entity_id, measure), (total, count) in sorted(sums.items()):
        stmt = ins(Total).values(
            period=month,
            entity_kind=kind,
            entity_id=entity_id,
            measure=measure,
            total_milli=total,
            count=count,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["period", "entity_kind", "entity_id", "measure"],
            set_={
                "total_milli": Total.total_milli + stmt.excluded.total_milli,
                "count": Total.count + stmt.excluded.count,
            },
        )
        session.execute(stmt)
    if village_ids:
        rescore_villages(uow, config, month, village_ids, event)
    return len(facts)


def rescore_villages(uow, config, month: str, village_ids: list[int], cause: dict | None = None) -> None:
    session = uow.session
    computed = compute(session, config, [month], village_ids)
    keys = [(c.index, c.entity_kind, c.entity_id) for c in computed]
    existing = (
        {
            (s.index, s.entity_kind, s.entity_id): s
            for s in session.scalars(
                select(Score).where(
                    Score.period == month,
                    tuple_(Score.index, Score.entity_kind, Score.entity_id).in_(keys),
                )
            )
        }
        if keys
        else {}
    )
    now = utcnow()
    alerts = config.raw["alerts"]
    for c in computed:
        if c.index == "pioneer" and c.value is not None:
            _praise_top_ratings(uow, config, month, c)
        old = existing.get((c.index, c.entity_kind, c.entity_id))
        old_value, old_colour = (old.value, old.colour) if old else (None, None)
        if c.value is None and old is None:
            continue
        if old is None:
            session.add(
                Score(
                    period=month,
                    index=c.index,
                    entity_kind=c.entity_kind,
                    entity_id=c.entity_id,
                    value=c.value,
                    colour=c.colour,
                    org_path=c.org_path,
                    village_id=c.village_id,
                    parts=c.parts,
                    updated_at=now,
                )
            )
        elif (old.value, old.colour, old.parts, old.org_path) != (c.value, c.colour, c.parts, c.org_path):
            old.value, old.colour, old.parts, old.org_path = c.value, c.colour, c.parts, c.org_path
            old.village_id, old.updated_at = c.village_id, now
        else:
            continue
        if c.entity_kind == "grid" and c.colour and c.colour != old_colour:
            _emit_colour(uow, month, c, old_colour)
        if old_value is not None and c.value is not None and old_value >= alerts["below"] > c.value:
            _alert_below(uow, config, month, c, old_value)
    session.flush()
    for village_id in village_ids:
        _village_board_moves(uow, config, month, village_id)


# -- announcements -----------------------------------------------------------------------


def _place(path: str) -> dict:
    ids = path_ids(path)
    return {
        "township_id": ids[1] if len(ids) > 1 else None,
        "village_id": ids[2] if len(ids) > 2 else None,
        "grid_id": ids[3] if len(ids) > 3 else None,
    }


def _first_time(
    uow, kind: str, reason: str, month: str, index: str, entity_kind: str, entity_id: int, event_id: str
) -> bool:
    """Claim an announcement; False if it was made already (also by a concurrent worker)."""
    session = uow.session
    if session.get(Recognition, (kind, reason, month, index, entity_kind, entity_id)) is not None:
        return False
    stmt = (
        _upsert(session)(Recognition)
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


def _subject(config, c: Computed, month: str) -> dict:
    return {
        **_place(c.org_path),
        "index": c.index,
        "index_label": config.index_label(c.index),
        "entity_kind": c.entity_kind,
        "entity_id": c.entity_id,
        "period": month,
        "value": c.value,
        "member_id": c.entity_id if c.entity_kind == "member" else None,
    }


def _emit_colour(uow, month: str, c: Computed, previous: str | None) -> None:
    uow.emit(
        DomainEvent(
            service="scoring",
            name="grid_colour.changed",
            subject=f"grids/{c.entity_id}",
            org_path=c.org_path,
            data={
                **_place(c.org_path),
                "grid_id": c.entity_id,
                "period": month,
                "colour": c.colour,
                "colour_label": domain.COLOURS[c.colour],
                "previous_colour": previous,
                "value": c.value,
            },
        )
    )


def _alert_below(uow, config, month: str, c: Computed, previous: float) -> None:
    event = DomainEvent(
        service="scoring",
        name="score.dropped",
        subject=f"{c.entity_kind}s/{c.entity_id}",
        org_path=c.org_path,
        data={},
    )
    if not _first_time(uow, "alert", "below_threshold", month, c.index, c.entity_kind, c.entity_id, event.id):
        return
    threshold = config.raw["alerts"]["below"]
    label = config.index_label(c.index)
    event.data = {
        **_subject(config, c, month),
        "reason": "below_threshold",
        "previous_value": previous,
        "threshold": threshold,
        "rank": None,
        "previous_rank": None,
        "message": f"{domain.ENTITY_LABELS[c.entity_kind]}{label}降至 {c.value:g},低于预警线 {threshold:g}",
    }
    uow.emit(event)


def _praise_top_ratings(uow, config, month: str, c: Computed) -> None:
    praise = config.raw["praise"]
    part = next((p for p in c.parts if p["name"] == "household_satisfaction"), None)
    if part is None or part["raw"] is None or part["raw"] < praise["top_rating"]:
        return
    total = uow.session.get(Total, (month, "member", c.entity_id, "visit_rating"))
    if total is None or total.count < praise["min_ratings"]:
        return
    event = DomainEvent(
        service="scoring",
        name="praise.awarded",
        subject=f"members/{c.entity_id}",
        org_path=c.org_path,
        data={},
    )
    if not _first_time(uow, "praise", "top_ratings", month, c.index, c.entity_kind, c.entity_id, event.id):
        return
    event.data = {
        **_subject(config, c, month),
        "reason": "top_ratings",
        "board": None,
        "board_label": None,
        "rank": None,
        "message": f"党员本月 {total.count} 次走访均获群众满分评价,予以表扬",
    }
    uow.emit(event)


def village_ranks(session, month: str, township_path: str) -> dict[int, int]:
    rows = session.execute(
        select(Score.entity_id, Score.value).where(
            Score.period == month,
            Score.index == "three_links",
            Score.entity_kind == "village",
            Score.org_path.startswith(township_path, autoescape=True),
        )
    ).all()
    return {entity_id: rank for entity_id, _, rank in domain.ranked([(e, v) for e, v in rows])}


def _village_board_moves(uow, config, month: str, village_id: int) -> None:
    """兴村治社榜 within the township: praise the new top, alert on sharp drops."""
    session = uow.session
    me = session.get(Score, (month, "three_links", "village", village_id))
    if me is None:
        return
    ids = path_ids(me.org_path)
    if len(ids) < 3:
        return
    township_path = "/" + "/".join(map(str, ids[:2])) + "/"
    now = village_ranks(session, month, township_path)
    before = village_ranks(session, domain.previous_period(month), township_path)
    scores = {
        s.entity_id: s
        for s in session.scalars(
            select(Score).where(
                Score.period == month,
                Score.index == "three_links",
                Score.entity_kind == "village",
                Score.entity_id.in_(list(now)),
            )
        )
    }
    drop = config.raw["alerts"]["rank_drop"]
    for vid, rank in sorted(now.items()):
        s = scores[vid]
        c = Computed("three_links", "village", vid, s.value, s.parts, s.org_path, vid)
        if rank == 1 and len(now) > 1:
            event = DomainEvent(
                service="scoring",
                name="praise.awarded",
                subject=f"villages/{vid}",
                org_path=s.org_path,
                data={},
            )
            if _first_time(uow, "praise", "board_top", month, "three_links", "village", vid, event.id):
                event.data = {
                    **_subject(config, c, month),
                    "reason": "board_top",
                    "board": "village_board",
                    "board_label": "兴村治社榜",
                    "rank": 1,
                    "message": "本村登上本乡镇兴村治社榜榜首,予以表扬",
                }
                uow.emit(event)
        previous = before.get(vid)
        if previous is not None and rank - previous >= drop:
            event = DomainEvent(
                service="scoring",
                name="score.dropped",
                subject=f"villages/{vid}",
                org_path=s.org_path,
                data={},
            )
            if _first_time(uow, "alert", "rank_drop", month, "three_links", "village", vid, event.id):
                event.data = {
                    **_subject(config, c, month),
                    "reason": "rank_drop",
                    "previous_value": None,
                    "threshold": float(drop),
                    "rank": rank,
                    "previous_rank": previous,
                    "message": f"本村兴村治社榜排名由上期第 {previous} 名降至第 {rank} 名",
                }
                uow.emit(event)


# -- recompute ---------------------------------------------------------------------------


def rebuild_totals(session, month: str) -> int:
    """The month's totals again, from the facts, in one INSERT … SELECT … GROUP BY."""
    session.execute(delete(Total).where(Total.period == month))
    grouped = (
        select(
            Fact.period,
            Fact.entity_kind,
            Fact.entity_id,
            Fact.measure,
            func.sum(Fact.value_milli),
            func.count(),
        )
        .where(Fact.period == month)
        .group_by(Fact.period, Fact.entity_kind, Fact.entity_id, Fact.measure)
    )
    result = session.execute(
        insert(Total).from_select(
            ["period", "entity_kind", "entity_id", "measure", "total_milli", "count"], grouped
        )
    )
    return result.rowcount or 0


def recompute(uow, config, month: str) -> dict:
    """Rebuild a month from its facts: totals, then every stored score. Announces nothing
    but `scores.recomputed` (praise and alerts were announced when the facts arrived)."""
    session = uow.session
    rebuild_totals(session, month)
    computed = [c for c in compute(session, config, [month]) if c.value is not None]
    session.execute(delete(Score).where(Score.period == month))
    now = utcnow()
    rows = [
        {
            "period": month,
            "index": c.index,
            "entity_kind": c.entity_kind,
            "entity_id": c.entity_id,
            "value": c.value,
            "colour": c.colour,
            "org_path": c.org_path,
            "village_id": c.village_id,
            "parts": c.parts,
            "updated_at": now,
        }
        for c in computed
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(Score), rows[start : start + 5000])
    facts = session.scalar(select(func.count()).select_from(Fact).where(Fact.period == month))
    uow.emit(
        DomainEvent(
            service="scoring",
            name="scores.recomputed",
            subject=f"periods/{month}",
            org_path="/",
            data={"period": month, "facts": facts, "scores": len(rows)},
        )
    )
    return {"period": month, "facts": facts, "scores": len(rows)}


# -- the link replica --------------------------------------------------------------------

REPLICATED = ("cadre_grid", "team_village")


def apply_link(session, event: dict, active: bool) -> None:
    data = event["data"]
    if data.get("kind") not in REPLICATED:
        return
    key = (data["kind"], int(data["source_id"]), int(data["target_id"]))
    row = session.get(LinkReplica, key)
    if not active:
        if row is not None and row.link_id == int(data["id"]):
            session.delete(row)
        return
    path = event.get("orgpath") or ""
    ids = path_ids(path)
    village_id = (
        int(data["target_id"]) if data["kind"] == "team_village" else (ids[2] if len(ids) > 2 else None)
    )
    if row is None:
        session.add(
            LinkReplica(
                kind=key[0],
                source_id=key[1],
                target_id=key[2],
                link_id=int(data["id"]),
                org_path=path,
                village_id=village_id,
            )
        )
    else:
        row.link_id, row.org_path, row.village_id = int(data["id"]), path, village_id


def replace_links(session, kind: str, rows: list[dict]) -> int:
    session.execute(delete(LinkReplica).where(LinkReplica.kind == kind))
    if rows:
        session.execute(
            insert(LinkReplica),
            [
                {
                    "kind": kind,
                    "source_id": r["source_id"],
                    "target_id": r["target_id"],
                    "link_id": r["id"],
                    "org_path": r["org_path"],
                    "village_id": r["village_id"],
                }
                for r in rows
            ],
        )
    return len(rows)
