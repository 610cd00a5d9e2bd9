"""The hash chain every ledger row joins: per (ledger, village), each row carries the hash
of the previous row and `hash(prev_hash + content)` of its own canonical content, with the
digest GOV_HASH names (SM3 by default, SHA-256 the alternative). Each row records its
digest in `hash_alg`, so a chain begun under one still verifies after switching.

`link()` is called by each ledger's writer in the writer's own unit of work, just before
its rows are inserted. It locks the chain heads it touches (INSERT … ON CONFLICT DO
NOTHING, then SELECT … FOR UPDATE in a fixed order), so two writers for one village wait
for each other instead of forking the chain. On SQLite the database has one writer anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from common.crypto import hash_algorithm
from common.events import utcnow
from services.tasks.procedures import domain
from services.tasks.procedures.models import LedgerHead

LEDGERS = {"tf": "任务台账", "pr": "议事与揭榜台账"}


def _insert(session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def link(session, ledger: str, rows: list[dict], now: datetime | None = None) -> list[dict]:
    """Give each row (with `org_path` and `content`) its chain, seq, prev_hash, hash and hash_alg."""
    if not rows:
        return rows
    alg = hash_algorithm()
    for row in rows:
        row["chain"] = domain.chain_key(row["org_path"])
    chains = sorted({row["chain"] for row in rows})
    insert = _insert(session)
    session.execute(
        insert(LedgerHead)
        .values([{"ledger": ledger, "chain": c, "seq": 0, "hash": domain.GENESIS} for c in chains])
        .on_conflict_do_nothing(index_elements=["ledger", "chain"])
    )
    heads = {
        h.chain: [h.seq, h.hash]
        for h in session.execute(
            select(LedgerHead.chain, LedgerHead.seq, LedgerHead.hash)
            .where(LedgerHead.ledger == ledger, LedgerHead.chain.in_(chains))
            .order_by(LedgerHead.chain)
            .with_for_update()
        )
    }
    for row in rows:
        head = heads[row["chain"]]
        row["chain_seq"] = head[0] + 1
        row["prev_hash"] = head[1]
        row["hash"] = domain.entry_hash(head[1], row["content"], alg)
        row["hash_alg"] = alg
        head[0], head[1] = row["chain_seq"], row["hash"]
    at = now or utcnow()
    session.execute(
        update(LedgerHead),
        [
            {"ledger": ledger, "chain": c, "seq": heads[c][0], "hash": heads[c][1], "updated_at": at}
            for c in chains
        ],
    )
    return rows
