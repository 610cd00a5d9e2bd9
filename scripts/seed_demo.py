"""Seed the demo county into the grids database, once (`make up` calls it every start).

Goes through the grids service's own storage code and unit of work, so the seed
emits its event through the outbox like any other change.
"""

from __future__ import annotations

import sys

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from common.config import database_url, is_production
from common.db import UnitOfWork
from common.storage import make_engine
from services.grids.commands import hasher
from services.grids.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from services.grids.models import OrgUnit, OutboxMessage, ProcessedEvent


def main() -> int:
    if is_production():
        print("demo: GOV_ENV=production, no demo data is seeded")
        return 0
    engine = make_engine(database_url("grids"))
    with UnitOfWork(sessionmaker(engine), OutboxMessage, ProcessedEvent) as uow:
        if uow.session.scalar(select(OrgUnit.id).limit(1)) is not None:
            print("demo: data already there, not seeded again")
            return 0
        counts = seed_demo(uow, hasher.hash(DEMO_PASSWORD))
        uow.commit()
    print("demo: seeded " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(
        "demo accounts (the demo password is in README.md): "
        + ", ".join(a["username"] for a in DEMO_ACCOUNTS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
