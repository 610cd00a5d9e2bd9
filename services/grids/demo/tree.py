"""The demo county's org tree: 青溪县, four townships (three towns and a subdistrict), six to
eight villages each, three or four grids a village, named from place-name stems."""

from __future__ import annotations

import random

from services.grids.demo.naming import numeral
from services.grids.domain import Level, child_path
from services.grids.models import OrgUnit

COUNTY_NAME = "青溪县"
COUNTY_CODE = "330899"

# Two-character stems for place names; townships and villages draw from them without repeats.
_TOWNSHIP_STEMS = [
    "溪口", "塔石", "湖头", "横山", "石佛", "沐尘", "庙下", "罗家", "詹家", "社阳",
    "小南", "大溪", "模环", "龙洲", "东华", "桐坞", "梅源", "竹林", "杨柳", "清源",
]  # fmt: skip
_VILLAGE_STEMS = [
    "溪口", "石门", "桐坞", "梅林", "竹源", "沙田", "下宅", "上圩", "陈塘", "黄泥",
    "枫树", "樟坞", "泉塘", "柳湾", "芝溪", "后周", "前畈", "官潭", "高坪", "岭头",
    "茶园", "金星", "红星", "新叶", "大路", "板桥", "洋坑", "姜席", "三门", "马报",
    "白石", "荷花", "松山", "桥头", "塘头", "杨梅", "龙山", "凤凰", "清塘", "寺下",
    "古溪", "长坑", "乌石", "童家", "夏金", "虎头", "石角", "东溪", "西山", "南塘",
    "北岭", "象山", "河西", "田坂", "芦塘", "山峰", "坑口", "里宅", "外陈", "半坑",
]  # fmt: skip


def _flush_paths(session, units: list[OrgUnit], parents: dict[int, OrgUnit]) -> None:
    session.add_all(units)
    session.flush()
    for unit in units:
        parent = parents.get(unit.parent_id) if unit.parent_id else None
        unit.path = child_path(parent.path if parent else None, unit.id)


def org_tree(
    session, rng: random.Random
) -> tuple[OrgUnit, list[OrgUnit], dict[int, list[OrgUnit]], dict[int, list[OrgUnit]], list[OrgUnit]]:
    """The county, its townships, the villages of each township and the grids of each
    village, written and flushed (ids and paths set); last, every unit."""
    county = OrgUnit(parent_id=None, level=Level.county.value, code=COUNTY_CODE, name=COUNTY_NAME)
    _flush_paths(session, [county], {})

    # three towns or townships and one subdistrict, in a stable order
    stems = rng.sample(_TOWNSHIP_STEMS, 4)
    suffixes = ["镇", "镇", "乡", "街道"]
    townships = [
        OrgUnit(
            parent_id=county.id,
            level=Level.township.value,
            code=f"{COUNTY_CODE}{i + 1:03d}",
            name=stem + suffix,
        )
        for i, (stem, suffix) in enumerate(zip(stems, suffixes, strict=True))
    ]
    _flush_paths(session, townships, {county.id: county})

    village_stems = iter(rng.sample(_VILLAGE_STEMS, len(_VILLAGE_STEMS)))
    villages_of: dict[int, list[OrgUnit]] = {}
    villages: list[OrgUnit] = []
    for township in townships:
        subdistrict = township.name.endswith("街道")
        count = rng.randint(6, 8)
        villages_of[township.id] = []
        for i in range(count):
            # a subdistrict is mostly communities, a town has a community at its seat
            community = (subdistrict and i < count - 2) or (not subdistrict and i == count - 1)
            village = OrgUnit(
                parent_id=township.id,
                level=Level.village.value,
                code=f"{township.code}{i + 1:03d}",
                name=next(village_stems) + ("社区" if community else "村"),
            )
            villages_of[township.id].append(village)
            villages.append(village)
    _flush_paths(session, villages, {t.id: t for t in townships})

    grids_of: dict[int, list[OrgUnit]] = {}
    grids: list[OrgUnit] = []
    for village in villages:
        grids_of[village.id] = [
            OrgUnit(
                parent_id=village.id,
                level=Level.grid.value,
                code=f"{village.code}{i + 1:02d}",
                name=f"{village.name}第{numeral(i + 1)}网格",
            )
            for i in range(rng.randint(3, 4))
        ]
        grids.extend(grids_of[village.id])
    _flush_paths(session, grids, {v.id: v for v in villages})
    return county, townships, villages_of, grids_of, [county, *townships, *villages, *grids]
