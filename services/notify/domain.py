"""Who is told what: turns a domain event into inbox lines. Plain Python."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_LABELS = {
    "county_admin": "县级管理员",
    "township_leader": "镇街分管领导",
    "department_staff": "部门工作人员",
    "village_secretary": "村党组织书记",
    "village_cadre": "村两委干部",
    "grid_worker": "网格员",
    "member": "党员",
    "team_cadre": "组团干部",
    "resident": "居民",
}
LINK_LABELS = {"member_household": "联系户", "cadre_grid": "联系网格", "team_village": "联系村"}


@dataclass(frozen=True)
class Notice:
    person_id: int
    kind: str
    title: str
    body: str


def notices_for_person_assigned(data: dict) -> list[Notice]:
    roles = "、".join(ROLE_LABELS.get(r, r) for r in data.get("roles", []))
    return [Notice(int(data["id"]), "assigned", "您的岗位已登记", f"您已被登记为{roles}。")]


def notices_for_link_created(data: dict) -> list[Notice]:
    # team_village links name a team, not a person: the team's cadres are told by scoring-era rules later
    if data.get("kind") == "team_village":
        return []
    what = LINK_LABELS.get(data.get("kind", ""), "联系对象")
    return [
        Notice(
            int(data["source_id"]), "linked", f"新增{what}", f"您有一项新的{what}(编号 {data['target_id']})。"
        )
    ]
