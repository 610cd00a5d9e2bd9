"""The sizes a county can be loaded at: the demo's, and the two the articles report
(Shaoxing's 浙里兴村治社 and Quzhou's 浙里党群心联心), with a month of activity's rates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    townships: int
    villages: int
    grids: int
    members: int  # linked party members (党员联户), ~11 households each
    village_cadres: int  # 两委联格: each takes one grid or more
    team_cadres: int  # 组团联村: in teams of `team_size`
    households_per_member: int = 11
    team_size: int = 3
    county_code: str = "330800"
    county_name: str = "规模测试县"
    # a month of activity (services/tasks/scale.py)
    visit_rate: float = 0.85  # share of list items visited in the month
    rating_rate: float = 0.35  # share of visits the household rated
    need_rate: float = 0.03  # share of visits that raised a need (a matter)
    mailbox_per_grid: float = 2.0  # mailbox items per grid per month
    tasks: int = 24  # tasks sent to villages in the month
    rejected_tasks: int = 6  # stopped by screening (not in the catalogue)

    @property
    def households(self) -> int:
        return self.members * self.households_per_member


PRESETS: dict[str, Scale] = {
    # about the size of `make up`'s 青溪县
    "demo": Scale(
        "demo", townships=4, villages=30, grids=108, members=320, village_cadres=120, team_cadres=30
    ),
    # 浙里兴村治社: 103 townships, 2,119 villages/communities, 20,000+ cadres (12,700 + 7,400)
    "shaoxing": Scale(
        "shaoxing",
        townships=103,
        villages=2119,
        grids=6357,
        members=52000,
        village_cadres=12714,
        team_cadres=7422,
        county_code="330600",
        county_name="规模测试市(绍兴规模)",
    ),
    # 浙里党群心联心: 1,483 villages, 4,112 grids, 48,000 members, 9,232 + 7,566 cadres
    "quzhou": Scale(
        "quzhou",
        townships=100,
        villages=1483,
        grids=4112,
        members=48000,
        village_cadres=9232,
        team_cadres=7566,
        county_code="330800",
        county_name="规模测试市(衢州规模)",
    ),
}
