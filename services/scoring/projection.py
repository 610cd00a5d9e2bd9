"""Projection of consumed events into facts: an event's facts are recorded, the totals they
change upserted in the same unit of work, and the entities it touches (its member, grid and
village) rescored (`rescore`). A village's 三联指数 takes the mean 先锋指数 of its members
from their stored scores, which are always current: a member's totals change only through
events about that member, and each such event rescores the member."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import insert

from common.events import utcnow
from services.scoring import domain
from services.scoring.bulk import dialect_insert
from services.scoring.models import Entity, Fact, Total
from services.scoring.rescore import rescore

_KIND_ORDER = {"village": 0, "grid": 1, "member": 2}


def _milli(value: float) -> int:
    return int(round(value * 1000))


def claim_event(uow, event_id: str, handler: str) -> bool:
    """`uow.first_delivery` in one statement: True if this handler has not applied the event.
    A concurrent delivery of the same event waits for this one and then finds it claimed."""
    session = uow.session
    model = uow._processed_model
    stmt = (
        dialect_insert(session)(model)
        .values(event_id=event_id, handler=handler, processed_at=utcnow())
        .on_conflict_do_nothing()
    )
    return bool(session.execute(stmt).rowcount)


def _register_entities(session, facts: list[domain.Fact]) -> dict:
    """Upsert where each entity sits, in one statement; on PostgreSQL this also locks the
    village rows first, so that events of one village are scored one after the other.
    Returns {(kind, id): (org_path, village_id)} of the touched entities."""
    rows = {}
    for fact in facts:
        rows[(fact.entity_kind, fact.entity_id)] = {
            "entity_kind": fact.entity_kind,
            "entity_id": fact.entity_id,
            "org_path": fact.org_path,
            "township_id": domain.place_of(fact.org_path)["township_id"],
            "village_id": domain.fact_village(fact),
            "version": 0,
        }
    keys = sorted(rows, key=lambda k: (_KIND_ORDER.get(k[0], 3), k[1]))
    stmt = dialect_insert(session)(Entity).values([rows[k] for k in keys])
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
    stmt = dialect_insert(session)(Total).values(
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
