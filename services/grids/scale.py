"""A county of a given scale, written into the grids database in bulk (`scripts/load_county.py`).

`seed_demo` (demo.py) writes ~3,500 households through the ORM; a Quzhou-size county
(1,483 villages, 4,112 grids, 48,000 linked members, ~530,000 households, ~1.3 million
residents) would take an hour that way. This module builds the same kind of county in memory,
deterministically from `seed`, and writes it with PostgreSQL COPY into the grids service's own
tables (the models in `services/grids/models.py`), with explicit ids and the sequences moved past
them afterwards.

It returns a `County`: the snapshot that the other services' loaders replicate, exactly what they
would otherwise get from grids' look-ups (`subtree`, `links_snapshot`, `responsible_for_grid`):
places, member↔household links with their places, who answers for each grid, departments.
The loader script passes it on; no service reads another's tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from common.crypto import blind_index, seal
from common.storage import copy_rows, raw_connection
from services.grids.demo import COUNTY_DEPARTMENTS, TOWNSHIP_PLATFORM, id_check_digit
from services.grids.domain import Level, LinkKind, Role, child_path
from services.grids.models import Department, Household, Link, OrgUnit, Person, Resident, Team


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

DEMO_PASSWORD_USERS = (
    "admin",
    "township",
    "township2",
    "dept",
    "secretary",
    "cadre",
    "gridworker",
    "member",
    "team",
    "resident",
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅玉兰文斌辉林宇浩鹏飞海燕春雪婷晨阳云峰亮宏凤琴建忠德福金根水土生荣"  # noqa: E501
_PREFIXES = ("130", "133", "135", "138", "139", "150", "152", "158", "159", "177", "181", "187", "189", "199")
_STEMS = "溪石桐梅竹沙宅圩塘泥枫樟泉柳芝周畈潭坪岭茶星叶路桥坑门报荷松龙凤寺坞湾川坂源港屿岙垟"
_NUM = "零一二三四五六七八九十"


def _numeral(n: int) -> str:
    if n <= 10:
        return _NUM[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUM[tens]) + "十" + (_NUM[ones] if ones else "")


def _spread(total: int, parts: int, rng: random.Random, jitter: float = 0.3) -> list[int]:
    """`total` split into `parts` positive counts that vary around the mean (deterministic)."""
    if parts <= 0:
        return []
    weights = [1 + rng.uniform(-jitter, jitter) for _ in range(parts)]
    scale = (total - parts) / sum(weights) if total > parts else 0
    counts = [1 + int(w * scale) for w in weights]
    short = total - sum(counts)
    i = 0
    while short > 0:
        counts[i % parts] += 1
        short -= 1
        i += 1
    while short < 0:
        if counts[i % parts] > 1:
            counts[i % parts] -= 1
            short += 1
        i += 1
    return counts


@dataclass
class County:
    """What the other services replicate from grids, as their look-ups would return it."""

    scale: Scale
    county_id: int = 1
    units: list[dict] = field(default_factory=list)  # id, parent_id, level, code, name, path
    townships: list[int] = field(default_factory=list)
    villages: list[int] = field(default_factory=list)
    grids: list[int] = field(default_factory=list)
    path: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    # (link_id, member_id, household_id, grid_id)
    member_links: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (link_id, cadre_id, grid_id) and (link_id, team_id, village_id)
    cadre_links: list[tuple[int, int, int]] = field(default_factory=list)
    team_links: list[tuple[int, int, int]] = field(default_factory=list)
    grid_workers: dict[int, list[int]] = field(default_factory=dict)
    secretaries: dict[int, list[int]] = field(default_factory=dict)
    cadres_of_grid: dict[int, list[int]] = field(default_factory=dict)
    township_leaders: dict[int, int] = field(default_factory=dict)
    departments: list[dict] = field(default_factory=list)  # id, code, name, org_unit_id
    department_staff: dict[int, list[int]] = field(default_factory=dict)
    households_of_grid: dict[int, list[int]] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)  # demo username -> person id
    counts: dict[str, int] = field(default_factory=dict)

    def ids(self, unit_id: int) -> dict:
        parts = [int(p) for p in self.path[unit_id].strip("/").split("/")]
        keys = ("county_id", "township_id", "village_id", "grid_id")
        return {k: (parts[i] if i < len(parts) else None) for i, k in enumerate(keys)}


class _People:
    def __init__(self, rng: random.Random, county_code: str):
        self.rng, self.region = rng, county_code
        self.rows: list[tuple] = []
        self.next_id = 1

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(_SURNAMES) + given

    def phone(self) -> str:
        return self.rng.choice(_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self) -> str:
        rng = self.rng
        first17 = (
            f"{self.region}{rng.randint(1945, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randrange(1000):03d}"
        )
        return first17 + id_check_digit(first17)

    def add(
        self,
        role: Role,
        unit_id: int,
        *,
        name=None,
        phone=None,
        department_id=None,
        team_id=None,
        username=None,
    ) -> int:
        pid = self.next_id
        self.next_id += 1
        self.rows.append(
            (
                pid,
                f"P{pid:07d}",
                name or self.name(),
                phone or self.phone(),
                self.id_number(),
                [role.value],
                unit_id,
                department_id,
                team_id,
                username,
            )
        )
        return pid


def build(scale: Scale, seed: int = 2026) -> tuple[County, dict[str, list[tuple]]]:
    """The county in memory: (snapshot, rows per table). Same seed, same county."""
    rng = random.Random(f"{scale.name}:{seed}")
    c = County(scale=scale)
    now = datetime(2026, 1, 1, tzinfo=UTC)
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
    for i, n in enumerate(_spread(scale.villages, scale.townships, rng, 0.4)):
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
    for village, n in zip(c.villages, _spread(scale.grids, scale.villages, rng, 0.4), strict=True):
        grids_of[village] = [
            unit(
                village,
                Level.grid,
                f"{units[village - 1][3]}{g + 1:02d}",
                f"{c.name[village]}第{_numeral(g + 1)}网格",
            )
            for g in range(n)
        ]
        c.grids.extend(grids_of[village])

    # departments, teams and the people above the villages
    people = _People(rng, scale.county_code)
    departments: list[tuple] = []
    for i, name in enumerate(COUNTY_DEPARTMENTS):
        departments.append((len(departments) + 1, f"D{scale.county_code}{i + 1:02d}", name, county))
    for t in c.townships:
        code = units[t - 1][3]
        departments.append((len(departments) + 1, f"D{code}01", c.name[t] + TOWNSHIP_PLATFORM, t))
    c.departments = [{"id": d[0], "code": d[1], "name": d[2], "org_unit_id": d[3]} for d in departments]
    c.accounts["admin"] = people.add(Role.county_admin, county, username="admin")
    for d in departments:
        c.department_staff[d[0]] = [
            people.add(
                Role.department_staff,
                d[3],
                department_id=d[0],
                username="dept" if d[0] == 1 and i == 0 else None,
            )
            for i in range(2)
        ]
    c.accounts["dept"] = c.department_staff[1][0]
    for i, t in enumerate(c.townships):
        username = {0: "township", 1: "township2"}.get(i)
        c.township_leaders[t] = people.add(Role.township_leader, t, username=username)
        if username:
            c.accounts[username] = c.township_leaders[t]

    team_count = max(scale.townships, scale.team_cadres // scale.team_size)
    teams: list[tuple] = []
    team_links: list[tuple] = []  # (team_id, village_id)
    for i, n in enumerate(_spread(team_count, scale.townships, rng, 0.2)):
        township = c.townships[i]
        villages = villages_of[township]
        own = []
        for k in range(n):
            tid = len(teams) + 1
            teams.append(
                (tid, f"T{units[township - 1][3]}{k + 1:02d}", f"{c.name[township]}联村组团{k + 1}", township)
            )
            own.append(tid)
        # every village gets a team; with more teams than villages some villages get two
        for k in range(max(len(own), len(villages))):
            team_links.append((own[k % len(own)], villages[k % len(villages)]))
    team_of_cadres = [teams[i % len(teams)] for i in range(scale.team_cadres)]
    for i, team in enumerate(team_of_cadres):
        pid = people.add(Role.team_cadre, team[3], team_id=team[0], username="team" if i == 0 else None)
        if i == 0:
            c.accounts["team"] = pid

    # villages: secretary, cadres on grids, grid workers, members and their households
    households: list[tuple] = []
    residents: list[tuple] = []
    links: list[tuple] = []  # (id, kind, source, target)
    cadre_counts = dict(zip(c.villages, _spread(scale.village_cadres, scale.villages, rng, 0.3), strict=True))
    member_counts = dict(zip(c.grids, _spread(scale.members, scale.grids, rng, 0.3), strict=True))
    relations = ("配偶", "子女", "子女", "父母")
    next_household = next_resident = 1
    for village in c.villages:
        first = village == c.villages[0]
        c.secretaries[village] = [
            people.add(Role.village_secretary, village, username="secretary" if first else None)
        ]
        grids = grids_of[village]
        cadres = [
            people.add(Role.village_cadre, village, username="cadre" if first and i == 0 else None)
            for i in range(cadre_counts[village])
        ]
        for g in grids:
            c.cadres_of_grid[g] = []
        # every grid gets a cadre and every cadre a grid (包网入格); the first cadre takes two
        for k in range(max(len(cadres), len(grids))):
            c.cadres_of_grid[grids[k % len(grids)]].append(cadres[k % len(cadres)])
        if first and len(grids) > 1 and cadres[0] not in c.cadres_of_grid[grids[1]]:
            c.cadres_of_grid[grids[1]].append(cadres[0])  # the demo cadre takes two grids
        for g_index, grid in enumerate(grids):
            first_grid = first and g_index == 0
            c.grid_workers[grid] = [
                people.add(Role.grid_worker, grid, username="gridworker" if first_grid else None)
            ]
            c.households_of_grid[grid] = []
            for m in range(member_counts[grid]):
                homes = rng.randint(scale.households_per_member - 2, scale.households_per_member + 2)
                member_name, member_phone = people.name(), people.phone()
                member = people.add(
                    Role.member,
                    grid,
                    name=member_name,
                    phone=member_phone,
                    username="member" if first_grid and m == 0 else None,
                )
                for h in range(homes):
                    hid = next_household
                    next_household += 1
                    n_home = len(c.households_of_grid[grid]) + 1
                    head = member_name if h == 0 else people.name()
                    phone = member_phone if h == 0 else people.phone()
                    households.append(
                        (
                            hid,
                            f"H{hid:07d}",
                            grid,
                            f"{c.name[village]}{g_index * 2 + 1 + n_home // 40}组{n_home}号",
                            head,
                            phone,
                        )
                    )
                    c.households_of_grid[grid].append(hid)
                    residents.append((next_resident, hid, head, "户主", phone, people.id_number()))
                    next_resident += 1
                    for r in range(rng.choice((0, 1, 1, 2, 2, 3))):
                        residents.append(
                            (
                                next_resident,
                                hid,
                                people.name(),
                                relations[r],
                                people.phone() if rng.random() < 0.6 else None,
                                people.id_number(),
                            )
                        )
                        next_resident += 1
                    links.append((len(links) + 1, LinkKind.member_household.value, member, hid))
                    c.member_links.append((len(links), member, hid, grid))
            if first_grid:
                last = households[-1]
                c.accounts["resident"] = people.add(
                    Role.resident, grid, name=last[4], phone=last[5], username="resident"
                )
    for username in ("secretary", "cadre", "gridworker", "member"):
        c.accounts[username] = next(r[0] for r in people.rows if r[9] == username)
    for grid in c.grids:
        for cadre in c.cadres_of_grid[grid]:
            links.append((len(links) + 1, LinkKind.cadre_grid.value, cadre, grid))
            c.cadre_links.append((len(links), cadre, grid))
    for team, village in team_links:
        links.append((len(links) + 1, LinkKind.team_village.value, team, village))
        c.team_links.append((len(links), team, village))

    rows = {
        "org_units": units,
        "departments": departments,
        "teams": teams,
        "people": people.rows,
        "households": households,
        "residents": residents,
        "links": links,
    }
    c.counts = {table: len(r) for table, r in rows.items()}
    return c, rows


def _sealed(row: tuple, *positions: int) -> tuple:
    """The row with its phone and ID number fields sealed: COPY bypasses the column type."""
    return tuple(seal(v) if i in positions else v for i, v in enumerate(row))


def load(engine, scale: Scale, password_hash: str, seed: int = 2026) -> County:
    """Build the county and COPY it into the (empty, migrated) grids database at `engine`."""
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(OrgUnit)):
            raise ValueError("grids database is not empty: load a county into fresh databases")
    county, rows = build(scale, seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        copy_rows(
            cur,
            OrgUnit.__tablename__,
            ["id", "parent_id", "level", "code", "name", "path", "created_at"],
            rows["org_units"],
        )
        copy_rows(cur, Department.__tablename__, ["id", "code", "name", "org_unit_id"], rows["departments"])
        copy_rows(cur, Team.__tablename__, ["id", "code", "name", "org_unit_id"], rows["teams"])
        copy_rows(
            cur,
            Person.__tablename__,
            [
                "id",
                "code",
                "name",
                "phone",
                "id_number",
                "roles",
                "org_unit_id",
                "department_id",
                "team_id",
                "username",
                "password_hash",
                "active",
                "created_at",
                "failed_logins",
                "phone_bidx",
            ],
            (
                _sealed(r, 3, 4) + ((password_hash if r[9] else None), True, now, 0, blind_index(r[3]))
                for r in rows["people"]
            ),
        )
        copy_rows(
            cur,
            Household.__tablename__,
            ["id", "code", "grid_id", "address", "head_name", "phone", "phone_bidx"],
            (_sealed(r, 5) + (blind_index(r[5]),) for r in rows["households"]),
        )
        copy_rows(
            cur,
            Resident.__tablename__,
            ["id", "household_id", "name", "relation", "phone", "id_number", "phone_bidx"],
            (_sealed(r, 4, 5) + (blind_index(r[4]),) for r in rows["residents"]),
        )
        copy_rows(
            cur,
            Link.__tablename__,
            ["id", "kind", "source_id", "target_id", "active_key", "created_at"],
            (r + (0, now) for r in rows["links"]),
        )
        for table in ("org_units", "departments", "teams", "people", "households", "residents", "links"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return county


def check(engine) -> dict:
    """Consistency of a loaded county (tests and the loader's closing report)."""
    queries = {
        "org_units": "SELECT count(*) FROM org_units",
        "people": "SELECT count(*) FROM people",
        "households": "SELECT count(*) FROM households",
        "residents": "SELECT count(*) FROM residents",
        "links": "SELECT count(*) FROM links",
        # every path is the parent's path plus the unit's own id
        "bad_paths": """SELECT count(*) FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id
                        WHERE u.path <> coalesce(p.path, '/') || u.id || '/'""",
        "households_without_member": """SELECT count(*) FROM households h WHERE NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'member_household' AND l.target_id = h.id)""",
        "member_links_across_grids": """SELECT count(*) FROM links l JOIN people p ON p.id = l.source_id
                        JOIN households h ON h.id = l.target_id
                        WHERE l.kind = 'member_household' AND p.org_unit_id <> h.grid_id""",
        "grids_without_cadre": """SELECT count(*) FROM org_units g WHERE g.level = 'grid' AND NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'cadre_grid' AND l.target_id = g.id)""",
        "villages_without_team": """SELECT count(*) FROM org_units v WHERE v.level = 'village' AND NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'team_village' AND l.target_id = v.id)""",
        "cadre_links_outside_village": """SELECT count(*) FROM links l JOIN people p ON p.id = l.source_id
                        JOIN org_units g ON g.id = l.target_id
                        WHERE l.kind = 'cadre_grid' AND g.parent_id <> p.org_unit_id""",
    }
    with engine.connect() as conn:
        return {name: int(conn.scalar(text(sql))) for name, sql in queries.items()}
