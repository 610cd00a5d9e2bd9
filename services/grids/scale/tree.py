"""The county's org tree at scale: townships, villages and grids in the counts the scale asks
for (spread around the mean), named from two-character place stems, with ids from 1."""

from __future__ import annotations

import random
from datetime import datetime

from services.grids.demo.naming import numeral
from services.grids.domain import Level, child_path
from services.grids.scale.county import County
from services.grids.scale.presets import Scale
from services.grids.scale.spread import spread

_STEMS = "溪石桐梅竹沙宅圩塘泥枫樟泉柳芝周畈潭坪岭茶星叶路桥坑门报荷松龙凤寺坞湾川坂源港屿岙垟"


def org_tree(
    scale: Scale, rng: random.Random, c: County, now: datetime
) -> tuple[list[tuple], dict[int, list[int]], dict[int, list[int]]]:
    """The tree into the snapshot `c`; returns the org_units rows, the villages of each
    township and the grids of each village."""
    units: list[tuple] = []
    next_unit = 1

    def unit(parent: int | None, level: Level, code: str, name: str) -> int:
        nonlocal next_unit
        uid = next_unit
        next_unit += 1
        path = child_path(c.path[parent] if parent else None, uid)
        c.path[uid], c.parent[uid], c.name[uid] = path, parent, name
        c.units.append(
            {"id": uid, "parent_id": parent, "level": level.value, "code": code, "name": name, "path": path}
        )
        units.append((uid, parent, level.value, code, name, path, now))
        return uid

    county = unit(None, Level.county, scale.county_code, scale.county_name)
    c.county_id = county
    stems = [a + b for a in _STEMS for b in _STEMS if a != b]
    rng.shuffle(stems)
    stem = iter(stems * (1 + (scale.villages + scale.townships) // len(stems)))
    for t in range(scale.townships):
        suffix = "街道" if t % 7 == 6 else "乡" if t % 5 == 4 else "镇"
        c.townships.append(
            unit(county, Level.township, f"{scale.county_code}{t + 1:03d}", next(stem) + suffix)
        )
    villages_of: dict[int, list[int]] = {t: [] for t in c.townships}
    for i, n in enumerate(spread(scale.villages, scale.townships, rng, 0.4)):
        township = c.townships[i]
        for v in range(n):
            community = c.name[township].endswith("街道") or v == n - 1
            vid = unit(
                township,
                Level.village,
                f"{scale.county_code}{i + 1:03d}{v + 1:03d}",
                next(stem) + ("社区" if community else "村"),
            )
            villages_of[township].append(vid)
            c.villages.append(vid)
    grids_of: dict[int, list[int]] = {}
    for village, n in zip(c.villages, spread(scale.grids, scale.villages, rng, 0.4), strict=True):
        grids_of[village] = [
            unit(
                village,
                Level.grid,
                f"{units[village - 1][3]}{g + 1:02d}",
                f"{c.name[village]}第{numeral(g + 1)}网格",
            )
            for g in range(n)
        ]
        c.grids.extend(grids_of[village])
    return units, villages_of, grids_of
