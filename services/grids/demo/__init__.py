"""Demo data: a fictional county run the Quzhou way (三联工程).

One county (青溪县) with four townships, each with six to eight villages of three or four
grids; households with their residents; and the three links:

- 党员联户: every household is linked to exactly one party member of its grid, about 11 each;
- 两委联格: every village cadre takes one or two grids of the village (包网入格), every grid has one;
- 组团联村: every township has two or three teams of cadres, each team takes two or three villages.

Everything is drawn from `Faker("zh_CN")` and `random.Random` seeded with `seed`, so the same seed
gives the same names, numbers and links. Only the people in `DEMO_ACCOUNTS` can sign in; they all
share the password hash the caller passes (of `DEMO_PASSWORD`).

`seed_demo` writes through the caller's unit of work and does not commit.
"""

from __future__ import annotations

from sqlalchemy import select

from common.events import DomainEvent
from services.grids.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from services.grids.demo.county import Builder
from services.grids.demo.tree import COUNTY_CODE, COUNTY_NAME
from services.grids.models import OrgUnit

__all__ = ["COUNTY_CODE", "COUNTY_NAME", "DEMO_ACCOUNTS", "DEMO_PASSWORD", "seed_demo"]


def seed_demo(uow, password_hash: str, seed: int = 2026) -> dict:
    """Write the demo county into `uow.session` and emit one `demo.seeded` event.

    Returns the number of rows written per table. The caller commits.
    """
    session = uow.session
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == COUNTY_CODE)) is not None:
        raise ValueError(f"演示数据已存在（{COUNTY_NAME}，编码 {COUNTY_CODE}）")
    county, counts = Builder(session, password_hash, seed).build()
    uow.emit(
        DomainEvent(
            service="grids", name="demo.seeded", data=dict(counts), subject="demo", org_path=county.path
        )
    )
    return counts
