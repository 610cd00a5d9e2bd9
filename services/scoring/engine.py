"""Write side of scoring: events become facts and totals, totals become scores.

- `apply_event`: one consumed event → its facts, the totals they change (upserted in the
  same unit of work), and the scores of the entities it touches (its member, grid and
  village), rescored from their totals; a village's 三联指数 takes the mean 先锋指数 of its
  members from their stored scores, which are always current (a member's totals change
  only through events about that member, and each such event rescores the member). Grid
  colour changes, praise and alerts are emitted from the same unit of work, for the
  touched entities, and the village board of each touched township is checked once.
- `recompute`: rebuilds a month's totals from the facts with one set-based statement and
  rescores every entity of the month in one pass, written with COPY on PostgreSQL.

Both paths compute values with the same functions (`domain.*_value`), which give exactly
the numbers of the explained formulas (`domain.*_score`); explanations (`parts`) are not
stored but derived on read from the same totals (`explain`), so recompute equals the
incremental result (a test proves it).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, and_, cast, delete, func, insert, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from common.events import DomainEvent, utcnow
from services.scoring import domain
from services.scoring.domain import path_ids
from services.scoring.models import (
    Entity,
    Fact,
    LinkReplica,
    Recognition,
    Score,
    Total,
)

STORED = [  # (index, entity kind) kept per month in `scores`
    ("pioneer", "member"),
    ("fortress", "grid"),
    ("fortress", "village"),
    ("service", "village"),
    ("three_links", "village"),
    ("lead_goose", "village"),
]
VILLAGE_INDICES = ("fortress", "service", "three_links", "lead_goose")
_KIND_ORDER = {"village": 0, "grid": 1, "member": 2}


def _upsert(session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def _is_pg(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _milli(value: float) -> int:
    return int(round(value * 1000))


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


# -- reading totals ----------------------------------------------------------------------


def _fetch_all(session, query) -> list[tuple]:
    """Rows of a big read; on PostgreSQL through the bare cursor, without building a Row per
    tuple (hundreds of thousands of them in a county's month)."""
    connection = session.connection()
    if not _is_pg(session):
        return [tuple(row) for row in connection.execute(query)]
    # expanding IN (…) parameters become plain ones: the bare cursor knows nothing of them
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()
    finally:
        cursor.close()


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
    return {(k, i): (path, vid) for k, i, path, vid in _fetch_all(session, query)}


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


# -- applying one event ------------------------------------------------------------------


def _register_entities(session, facts: list[domain.Fact]) -> dict:
    """Upsert where each entity sits, in one statement; on PostgreSQL this also locks the
    village rows first, so that events of one village are scored one after the other.
    Returns {(kind, id): (org_path, village_id)} of the touched entities."""
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
    keys = sorted(rows, key=lambda k: (_KIND_ORDER.get(k[0], 3), k[1]))
    stmt = _upsert(session)(Entity).values([rows[k] for k in keys])
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
    return {k: (rows[k]["org_path"], rows[k]["village_id"]) for k in keys}


def apply_event(uow, config, event: dict) -> int:
    """Record the facts of one event and rescore what it touches. Returns the facts written."""
    month, facts = domain.facts_for(event)
    if not facts:
        return 0
    session = uow.session
    touched = _register_entities(session, facts)
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
    stmt = _upsert(session)(Total).values(
        [
            {
                "period": month,
                "entity_kind": kind,
                "entity_id": entity_id,
                "measure": measure,
                "total_milli": total,
                "count": count,
            }
            for (kind, entity_id, measure), (total, count) in sorted(sums.items())
        ]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["period", "entity_kind", "entity_id", "measure"],
        set_={
            "total_milli": Total.total_milli + stmt.excluded.total_milli,
            "count": Total.count + stmt.excluded.count,
        },
    )
    session.execute(stmt)
    rescore(uow, config, month, touched)
    return len(facts)


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


SCORE_KEY = ["period", "index", "entity_kind", "entity_id"]


def _score_row(month: str, c: Computed, now) -> dict:
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


def _stored_scores(session, month: str, keys: list[tuple] | None = None) -> dict[tuple, tuple]:
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
        (index, kind, entity_id): tuple(rest) for index, kind, entity_id, *rest in _fetch_all(session, query)
    }


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
    existing = _stored_scores(session, month, keys)
    now = utcnow()
    alerts = config.raw["alerts"]
    changed = []
    for c in computed:
        if c.index == "pioneer" and c.value is not None:
            _praise_top_ratings(uow, config, month, c, totals.get((c.entity_kind, c.entity_id), empty))
        old = existing.get((c.index, c.entity_kind, c.entity_id))
        old_value, old_colour = (old[0], old[1]) if old else (None, None)
        if c.value is None and old is None:
            continue
        if old is not None and old == (c.value, c.colour, c.org_path, c.village_id):
            continue
        changed.append(c)
        if c.entity_kind == "grid" and c.colour and c.colour != old_colour:
            _emit_colour(uow, month, c, old_colour)
        if old_value is not None and c.value is not None and old_value >= alerts["below"] > c.value:
            _alert_below(uow, config, month, c, old_value)
    _write_rows(session, Score, [_score_row(month, c, now) for c in changed], SCORE_KEY, upsert=True)
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
        _village_board_moves(uow, config, month, township_path)


# -- announcements -----------------------------------------------------------------------


def _place(path: str) -> dict:
    ids = path_ids(path)
    return {
        "township_id": ids[1] if len(ids) > 1 else None,
        "village_id": ids[2] if len(ids) > 2 else None,
        "grid_id": ids[3] if len(ids) > 3 else None,
    }


def _first_time(
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


def claim_event(uow, event_id: str, handler: str) -> bool:
    """`uow.first_delivery` in one statement: True if this handler has not applied the event.
    A concurrent delivery of the same event waits for this one and then finds it claimed."""
    session = uow.session
    model = uow._processed_model
    stmt = (
        _upsert(session)(model)
        .values(event_id=event_id, handler=handler, processed_at=utcnow())
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


def _praise_top_ratings(uow, config, month: str, c: Computed, totals: domain.Totals) -> None:
    praise = config.raw["praise"]
    if "household_satisfaction" not in config.indices["pioneer"]["weights"]:
        return
    raw = domain.top_rating_raw(config, totals)
    if raw is None or raw < praise["top_rating"]:
        return
    count = totals.get("visit_rating", (0.0, 0))[1]
    if count < praise["min_ratings"]:
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
        "message": f"党员本月 {count} 次走访均获群众满分评价,予以表扬",
    }
    uow.emit(event)


def village_ranks(session, month: str, township_path: str) -> dict[int, int]:
    return {e: r for e, (_, _, r) in _township_board(session, [month], township_path)[month].items()}


def _township_board(session, months: list[str], township_path: str) -> dict[str, dict]:
    """{month: {village: (value, org_path, rank)}} of the villages of a township."""
    rows = session.execute(
        select(Score.period, Score.entity_id, Score.value, Score.org_path).where(
            Score.period.in_(months),
            Score.index == "three_links",
            Score.entity_kind == "village",
            Score.org_path.startswith(township_path, autoescape=True),
        )
    ).all()
    out = {}
    for month in months:
        mine = {e: (v, p) for m, e, v, p in rows if m == month}
        out[month] = {e: (*mine[e], r) for e, _, r in domain.ranked([(e, v) for e, (v, _) in mine.items()])}
    return out


def _village_board_moves(uow, config, month: str, township_path: str) -> None:
    """兴村治社榜 within a township: praise the new top, alert on sharp drops."""
    session = uow.session
    previous_month = domain.previous_period(month)
    board = _township_board(session, [month, previous_month], township_path)
    now, before = board[month], board[previous_month]
    drop = config.raw["alerts"]["rank_drop"]
    claimed: dict[tuple[str, str], set] = {("praise", "board_top"): set(), ("alert", "rank_drop"): set()}
    if now:
        for kind, reason, entity_id in session.execute(
            select(Recognition.kind, Recognition.reason, Recognition.entity_id).where(
                Recognition.period == month,
                Recognition.index == "three_links",
                Recognition.entity_kind == "village",
                tuple_(Recognition.kind, Recognition.reason).in_(list(claimed)),
                Recognition.entity_id.in_(sorted(now)),
            )
        ):
            claimed[(kind, reason)].add(entity_id)
    for vid, (value, org_path, rank) in sorted(now.items()):
        c = Computed("three_links", "village", vid, value, None, org_path, vid)
        if rank == 1 and len(now) > 1:
            event = DomainEvent(
                service="scoring",
                name="praise.awarded",
                subject=f"villages/{vid}",
                org_path=org_path,
                data={},
            )
            if _first_time(
                uow,
                "praise",
                "board_top",
                month,
                "three_links",
                "village",
                vid,
                event.id,
                claimed[("praise", "board_top")],
            ):
                event.data = {
                    **_subject(config, c, month),
                    "reason": "board_top",
                    "board": "village_board",
                    "board_label": "兴村治社榜",
                    "rank": 1,
                    "message": "本村登上本乡镇兴村治社榜榜首,予以表扬",
                }
                uow.emit(event)
        previous = before.get(vid, (None, None, None))[2]
        if previous is not None and rank - previous >= drop:
            event = DomainEvent(
                service="scoring",
                name="score.dropped",
                subject=f"villages/{vid}",
                org_path=org_path,
                data={},
            )
            if _first_time(
                uow,
                "alert",
                "rank_drop",
                month,
                "three_links",
                "village",
                vid,
                event.id,
                claimed[("alert", "rank_drop")],
            ):
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


@functools.cache
def _unnest_insert(model, columns: tuple, keys: tuple, upsert: bool, dialect) -> str:
    """INSERT … SELECT FROM unnest(one array per column) in key order (the primary key's
    index fills page after page), with ON CONFLICT … DO UPDATE when `upsert`; built once
    per shape, as `rescore` writes through it for every event."""

    def names(cols) -> str:
        return ", ".join(f'"{c}"' for c in cols)  # "index" is a reserved word

    arrays = ", ".join(f"%s::{model.__table__.c[c].type.compile(dialect)}[]" for c in columns)
    order = ", ".join(str(columns.index(k) + 1) for k in keys)
    sql = f"INSERT INTO {model.__tablename__} ({names(columns)}) SELECT * FROM unnest({arrays}) ORDER BY {order}"
    if upsert:  # else a plain insert, where no row can exist: no speculative insertion per row
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in keys)
        sql += f" ON CONFLICT ({names(keys)}) DO UPDATE SET {sets}"
    return sql


def _write_rows(session, model, rows: list[dict], keys: list[str], upsert: bool) -> None:
    """Insert `rows` (dicts with the same columns) that have no stored row, or with `upsert`
    insert or update them by their `keys`: a month's rows on a first build, a handful on a
    repair."""
    if not rows:
        return
    columns = list(rows[0])
    if not _is_pg(session):
        updates = [c for c in columns if c not in keys]
        for start in range(0, len(rows), 2000):
            stmt = _upsert(session)(model).values(rows[start : start + 2000])
            if upsert:
                stmt = stmt.on_conflict_do_update(
                    index_elements=keys, set_={c: stmt.excluded[c] for c in updates}
                )
            session.execute(stmt)
        return

    connection = session.connection()
    sql = _unnest_insert(model, tuple(columns), tuple(keys), upsert, connection.dialect)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), 20000):
            chunk = rows[start : start + 20000]
            cursor.execute(sql, [[r[c] for r in chunk] for c in columns])
    finally:
        cursor.close()


def _correct(
    session, model, month: str, key: list[str], stale: list[tuple], added: list, changed: list
) -> int:
    """Delete a month's `stale` rows (by `key` values), insert the `added`, upsert the
    `changed`; returns how many rows that corrected."""
    columns = tuple_(*(model.__table__.c[c] for c in key))
    for start in range(0, len(stale), 5000):
        session.execute(delete(model).where(model.period == month, columns.in_(stale[start : start + 5000])))
    _write_rows(session, model, added, ["period", *key], upsert=False)
    _write_rows(session, model, changed, ["period", *key], upsert=True)
    return len(stale) + len(added) + len(changed)


def _first_totals(session, month: str) -> tuple[dict, int]:
    """A month with no stored totals yet (facts loaded from elsewhere): every total is new,
    so the server writes them itself in one INSERT … SELECT … GROUP BY … RETURNING, which
    beats shipping 300,000 rows there and back."""
    grouped = (
        select(
            Fact.period,
            Fact.entity_kind,
            Fact.entity_id,
            Fact.measure,
            cast(func.sum(Fact.value_milli), BigInteger),
            func.count(),
        )
        .where(Fact.period == month)
        .group_by(Fact.period, Fact.entity_kind, Fact.entity_id, Fact.measure)
    )
    stmt = (
        insert(Total)
        .from_select(["period", "entity_kind", "entity_id", "measure", "total_milli", "count"], grouped)
        .returning(Total.entity_kind, Total.entity_id, Total.measure, Total.total_milli, Total.count)
    )
    totals: dict = defaultdict(dict)
    rows = _fetch_all(session, stmt)
    for kind, entity_id, measure, total_milli, n in rows:
        totals[(kind, entity_id)][measure] = (total_milli / 1000.0, n)
    return totals, len(rows)


def rebuild_totals(session, month: str) -> tuple[dict, int]:
    """The month's totals again, from the facts. Only the rows that differ from the stored
    ones are written (after a lost or doubled delivery, those and no others), so a recompute
    that finds everything right writes nothing. Returns the totals as `load_totals` does
    ({(kind, id): {measure: (total, count)}}) and how many rows were corrected."""
    if _is_pg(session):
        # one hash aggregate in memory instead of a sort of every fact of the month, split
        # over parallel workers; no JIT compilation for a query that runs once a month
        for setting in (
            "work_mem = '256MB'",
            "parallel_setup_cost = 0",
            "parallel_tuple_cost = 0",
            "jit = off",
        ):
            session.execute(text(f"SET LOCAL {setting}"))
    if session.execute(select(Total.entity_id).where(Total.period == month).limit(1)).first() is None:
        return _first_totals(session, month)
    fresh = (
        select(
            Fact.entity_kind,
            Fact.entity_id,
            Fact.measure,
            # bigint, not numeric: no Decimal per row on the way out
            cast(func.sum(Fact.value_milli), BigInteger).label("total"),
            func.count().label("n"),
        )
        .where(Fact.period == month)
        .group_by(Fact.entity_kind, Fact.entity_id, Fact.measure)
        .subquery("fresh")
    )
    stored = select(Total).where(Total.period == month).subquery("stored")
    same_key = and_(
        fresh.c.entity_kind == stored.c.entity_kind,
        fresh.c.entity_id == stored.c.entity_id,
        fresh.c.measure == stored.c.measure,
    )
    # one pass: every fresh total beside its stored row, and stored rows no fact backs
    compared = select(
        func.coalesce(fresh.c.entity_kind, stored.c.entity_kind),
        func.coalesce(fresh.c.entity_id, stored.c.entity_id),
        func.coalesce(fresh.c.measure, stored.c.measure),
        fresh.c.total,
        fresh.c.n,
        stored.c.entity_id.is_(None),  # new: no stored row yet
        or_(stored.c.total_milli != fresh.c.total, stored.c.count != fresh.c.n),  # changed
    ).select_from(fresh.join(stored, same_key, full=True))
    totals: dict = defaultdict(dict)
    stale, added, changed = [], [], []
    for kind, entity_id, measure, total_milli, n, new, differs in _fetch_all(session, compared):
        if total_milli is None:  # no fact backs the stored row
            stale.append((kind, entity_id, measure))
            continue
        totals[(kind, entity_id)][measure] = (total_milli / 1000.0, n)
        if new or differs:
            (added if new else changed).append(
                {
                    "period": month,
                    "entity_kind": kind,
                    "entity_id": entity_id,
                    "measure": measure,
                    "total_milli": total_milli,
                    "count": n,
                }
            )
    corrected = _correct(
        session, Total, month, ["entity_kind", "entity_id", "measure"], stale, added, changed
    )
    return totals, corrected


def _sync_scores(session, month: str, computed: list[Computed]) -> int:
    """Make the month's stored scores exactly `computed` (those with a value), writing only
    the rows that differ; returns how many were corrected."""
    wanted = {(c.index, c.entity_kind, c.entity_id): c for c in computed if c.value is not None}
    stored = _stored_scores(session, month)
    stale = [key for key in stored if key not in wanted]
    now = utcnow()
    added, changed = [], []
    for key, c in wanted.items():
        old = stored.get(key)
        if old == (c.value, c.colour, c.org_path, c.village_id):
            continue
        (added if old is None else changed).append(_score_row(month, c, now))
    return _correct(session, Score, month, SCORE_KEY[1:], stale, added, changed)


def recompute(uow, config, month: str) -> dict:
    """Rebuild a month from its facts: totals, then every stored score, correcting the rows
    that differ. Announces nothing but `scores.recomputed` (praise and alerts were
    announced when the facts arrived)."""
    session = uow.session
    if _is_pg(session):
        # consumers wait (their facts stay uncommitted) until the month is rebuilt; readers
        # go on: what the rebuild reads and what it writes stay one consistent state
        session.execute(text(f"LOCK TABLE {Total.__tablename__} IN EXCLUSIVE MODE"))
    totals, totals_corrected = rebuild_totals(session, month)
    facts = sum(count for measures in totals.values() for _, count in measures.values())
    computed = compute_from(config, load_entities(session), totals, explain=False)
    scores_corrected = _sync_scores(session, month, computed)
    result = {
        "period": month,
        "facts": facts,
        "scores": sum(c.value is not None for c in computed),
        "totals_corrected": totals_corrected,
        "scores_corrected": scores_corrected,
    }
    uow.emit(
        DomainEvent(
            service="scoring",
            name="scores.recomputed",
            subject=f"periods/{month}",
            org_path="/",
            data=result,
        )
    )
    return result


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


# -- attribution look-ups (team cadres, village secretaries) -----------------------------


def replace_people(session, model, key: str, mapping: dict) -> int:
    """Replace `team_members` or `village_secretaries` with grids' answer ({id: [person ids]},
    JSON keys as strings). Returns the rows written."""
    rows = sorted({(int(k), int(p)) for k, people in mapping.items() for p in people or []})
    session.execute(delete(model))
    if rows:
        session.execute(insert(model), [{key: k, "person_id": p} for k, p in rows])
    return len(rows)


def team_ids(session) -> list[int]:
    return list(
        session.scalars(
            select(LinkReplica.source_id)
            .where(LinkReplica.kind == "team_village")
            .distinct()
            .order_by(LinkReplica.source_id)
        )
    )


def village_ids(session) -> list[int]:
    """Every village scoring knows: those scored and those linked to a team."""
    scored = select(Entity.entity_id).where(Entity.entity_kind == "village")
    linked = select(LinkReplica.target_id).where(LinkReplica.kind == "team_village")
    return sorted(set(session.scalars(scored)) | set(session.scalars(linked)))
