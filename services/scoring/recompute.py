"""Recompute: a month rebuilt from its facts. The totals come again from one set-based
statement, every entity of the month is rescored in one pass, and only the rows that differ
from the stored ones are written (`unnest` inserts on PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import BigInteger, and_, cast, func, insert, or_, select, text

from common.events import DomainEvent, utcnow
from services.scoring.bulk import correct, fetch_all, is_pg
from services.scoring.compute import Computed, compute_from, load_entities
from services.scoring.models import Fact, Score, Total
from services.scoring.stored import SCORE_KEY, score_row, stored_scores


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
    rows = fetch_all(session, stmt)
    for kind, entity_id, measure, total_milli, n in rows:
        totals[(kind, entity_id)][measure] = (total_milli / 1000.0, n)
    return totals, len(rows)


def rebuild_totals(session, month: str) -> tuple[dict, int]:
    """The month's totals again, from the facts. Only the rows that differ from the stored
    ones are written (after a lost or doubled delivery, those and no others), so a recompute
    that finds everything right writes nothing. Returns the totals as `load_totals` does
    ({(kind, id): {measure: (total, count)}}) and how many rows were corrected."""
    if is_pg(session):
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
    for kind, entity_id, measure, total_milli, n, new, differs in fetch_all(session, compared):
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
    corrected = correct(session, Total, month, ["entity_kind", "entity_id", "measure"], stale, added, changed)
    return totals, corrected


def _sync_scores(session, month: str, computed: list[Computed]) -> int:
    """Make the month's stored scores exactly `computed` (those with a value), writing only
    the rows that differ; returns how many were corrected."""
    wanted = {(c.index, c.entity_kind, c.entity_id): c for c in computed if c.value is not None}
    stored = stored_scores(session, month)
    stale = [key for key in stored if key not in wanted]
    now = utcnow()
    added, changed = [], []
    for key, c in wanted.items():
        old = stored.get(key)
        if old == (c.value, c.colour, c.org_path, c.village_id):
            continue
        (added if old is None else changed).append(score_row(month, c, now))
    return correct(session, Score, month, SCORE_KEY[1:], stale, added, changed)


def recompute(uow, config, month: str) -> dict:
    """Rebuild a month from its facts: totals, then every stored score, correcting the rows
    that differ. Announces nothing but `scores.recomputed` (praise and alerts were
    announced when the facts arrived)."""
    session = uow.session
    if is_pg(session):
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
