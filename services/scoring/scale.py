"""Scoring's side of a loaded county (`scripts/load_county.py`): the month's indicator facts,
the entities they place, the link replica, and the month's scores.

The events come as CloudEvents dicts — the loader script reads them from the tasks outbox,
which is what the relay would have published. Each becomes its facts through
`domain.facts_for`, the very function the consumer (`projection.apply_event`) uses; the facts,
the scored entities and the processed-event marks (so a later replay of the same events is
dropped as a duplicate) go in with COPY instead of one transaction per event. Then the
service's own `recompute.recompute` rebuilds the month's totals and scores from the facts:
the same result `apply_event` reaches one event at a time (scoring's tests prove the two
paths agree).

Why not put the events on the bus: scoring applies an event in one transaction that also
rescores its village; at the rates measured here (stack-notes, bench/scoring.py) 600,000+
events would take hours, which is the cost the month's history does not need to pay.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.storage import copy_rows, raw_connection
from services.scoring import domain, recompute, replicas
from services.scoring.config import load_config
from services.scoring.models import Entity, Fact, LinkReplica, OutboxMessage, ProcessedEvent

FACT_COLUMNS = [
    "event_id",
    "event_type",
    "entity_kind",
    "entity_id",
    "measure",
    "period",
    "value_milli",
    "org_path",
    "occurred_at",
]


def _handler(event_type: str) -> str:
    """`grassroots.tasks.visit.recorded.v1` -> `scoring.on_visit_recorded` (service.py's names)."""
    name = event_type.split(".", 2)[2].rsplit(".", 1)[0]
    return "scoring.on_" + name.replace(".", "_")


def load(db_engine, events: Iterable[dict], links: dict[str, list[dict]], month: str) -> dict:
    """Facts of `events`, the link replica (`links`: kind -> rows with id, source_id,
    target_id, org_path, village_id), then the month recomputed. Returns counts."""
    consumed = {f"grassroots.{s}.{n}.v1" for s, n in domain.CONSUMED}
    entities: dict[tuple[str, int], tuple] = {}
    stats = {"events": 0, "facts": 0}
    processed: list[tuple] = []
    now = datetime.now(UTC)

    def fact_rows():
        for event in events:
            if event["type"] not in consumed:
                continue
            period, facts = domain.facts_for(event)
            if not facts:
                continue
            stats["events"] += 1
            processed.append((event["id"], _handler(event["type"]), now))
            occurred = event["time"]
            for f in facts:
                stats["facts"] += 1
                key = (f.entity_kind, f.entity_id)
                if key not in entities:
                    township = domain.place_of(f.org_path)["township_id"]
                    entities[key] = (
                        f.entity_kind,
                        f.entity_id,
                        f.org_path,
                        township,
                        domain.fact_village(f),
                        0,
                    )
                yield (
                    event["id"],
                    event["type"],
                    f.entity_kind,
                    f.entity_id,
                    f.measure,
                    period,
                    int(round(f.value * 1000)),
                    f.org_path,
                    occurred,
                )

    raw = raw_connection(db_engine)
    try:
        cur = raw.cursor()
        copy_rows(cur, Fact.__tablename__, FACT_COLUMNS, fact_rows())
        copy_rows(
            cur,
            Entity.__tablename__,
            ["entity_kind", "entity_id", "org_path", "township_id", "village_id", "version"],
            entities.values(),
        )
        copy_rows(cur, ProcessedEvent.__tablename__, ["event_id", "handler", "processed_at"], processed)
        copy_rows(
            cur,
            LinkReplica.__tablename__,
            ["kind", "source_id", "target_id", "link_id", "org_path", "village_id"],
            (
                (kind, r["source_id"], r["target_id"], r["id"], r["org_path"], r["village_id"])
                for kind, rows in links.items()
                if kind in replicas.REPLICATED
                for r in rows
            ),
        )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    with UnitOfWork(sessionmaker(db_engine), OutboxMessage, ProcessedEvent) as uow:
        result = recompute.recompute(uow, load_config(), month)
        uow.commit()
    return {**stats, "entities": len(entities), "scores": result["scores"]}


def check(db_engine, month: str) -> dict:
    queries = {
        "facts": "SELECT count(*) FROM indicator_facts WHERE period = :m",
        "entities": "SELECT count(*) FROM scored_entities",
        "scores": "SELECT count(*) FROM scores WHERE period = :m",
        "links": "SELECT count(*) FROM link_replica",
        "facts_without_entity": """SELECT count(*) FROM indicator_facts f WHERE f.period = :m AND NOT EXISTS (
            SELECT 1 FROM scored_entities e WHERE e.entity_kind = f.entity_kind AND e.entity_id = f.entity_id)""",
    }
    with db_engine.connect() as conn:
        return {name: int(conn.scalar(text(sql), {"m": month})) for name, sql in queries.items()}
