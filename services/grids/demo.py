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

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select

from common.events import DomainEvent, utcnow
from services.grids.domain import Level, LinkKind, Role, child_path, valid_id_number, valid_phone
from services.grids.models import Department, Household, Link, OrgUnit, Person, Resident, Team

DEMO_PASSWORD = "Demo@2026"

DEMO_ACCOUNTS: list[dict] = [
    {
        "username": "admin",
        "role": Role.county_admin.value,
        "description": "县级管理员：青溪县县委社会工作部的平台管理员，可查看和管理全县",
    },
    {
        "username": "township",
        "role": Role.township_leader.value,
        "description": "镇街分管领导：第一个乡镇的分管领导，审核并派发本镇任务",
    },
    {
        "username": "township2",
        "role": Role.township_leader.value,
        "description": "镇街分管领导：第二个乡镇的分管领导，看不到第一个乡镇的数据",
    },
    {
        "username": "dept",
        "role": Role.department_staff.value,
        "description": "部门工作人员：县住建局的工作人员，接收点兵点将派来的工单",
    },
    {
        "username": "secretary",
        "role": Role.village_secretary.value,
        "description": "村党组织书记：第一个乡镇第一个村的书记，接收难事协办",
    },
    {
        "username": "cadre",
        "role": Role.village_cadre.value,
        "description": "村两委干部：同一个村的两委干部，包联该村两个网格（含第一网格）",
    },
    {
        "username": "gridworker",
        "role": Role.grid_worker.value,
        "description": "网格员：该村第一网格的专职网格员",
    },
    {
        "username": "member",
        "role": Role.member.value,
        "description": "党员：第一网格的联户党员，联系约11户",
    },
    {
        "username": "team",
        "role": Role.team_cadre.value,
        "description": "组团干部：第一个乡镇联村组团的干部，该组团联系这个村",
    },
    {
        "username": "resident",
        "role": Role.resident.value,
        "description": "居民：住在第一网格的一户户主，可通过村民信箱反映诉求",
    },
]

COUNTY_NAME = "青溪县"
COUNTY_CODE = "330899"

COUNTY_DEPARTMENTS = [
    "县住建局",
    "县农业农村局",
    "县民政局",
    "县卫健委",
    "县水利局",
    "县公安局",
    "县市场监管局",
    "县供电公司",
    "县自来水公司",
    "中国移动县分公司",
]
TOWNSHIP_PLATFORM = "综合信息指挥室"
STAFF_PER_DEPARTMENT = 2

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
_CHINESE_NUMERALS = "零一二三四五六七八九十"

# Region codes for ID numbers: mostly born in the county, some elsewhere in Zhejiang.
_OTHER_REGIONS = ["330802", "330803", "330822", "330824", "330825", "330881", "330781", "331121"]
_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "157", "158", "159", "166", "173",
    "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
    "191", "198", "199",
]  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_TODAY = date(2026, 1, 1)  # a fixed "today" so ages (and ID numbers) do not depend on the clock

HOUSEHOLDS_PER_MEMBER = 11
# Faker's zh_CN male given names include a few that read as female
_NOT_MALE_NAMES = {"红霞"}


def _numeral(n: int) -> str:
    if n <= 10:
        return _CHINESE_NUMERALS[n]
    if n < 20:
        return "十" + _CHINESE_NUMERALS[n - 10]
    tens, ones = divmod(n, 10)
    return _CHINESE_NUMERALS[tens] + "十" + (_CHINESE_NUMERALS[ones] if ones else "")


def _split(items: list, parts: int) -> list[list]:
    """`items` cut into `parts` consecutive chunks whose sizes differ by at most one."""
    size, extra = divmod(len(items), parts)
    chunks, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


@dataclass
class _Someone:
    surname: str
    name: str
    male: bool
    age: int
    phone: str | None
    id_number: str


@dataclass
class _Generator:
    """Names, phones and ID numbers, unique and reproducible for one seed."""

    fake: Faker
    rng: random.Random
    phones: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)

    def name(self, male: bool, surname: str | None = None) -> tuple[str, str]:
        surname = surname or self.fake.last_name()
        if not male:
            return surname, surname + self.fake.first_name_female()
        given = self.fake.first_name_male()
        while given in _NOT_MALE_NAMES:
            given = self.fake.first_name_male()
        return surname, surname + given

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                assert valid_phone(phone)
                return phone

    def id_number(self, male: bool, age: int) -> str:
        rng = self.rng
        region = COUNTY_CODE if rng.random() < 0.85 else rng.choice(_OTHER_REGIONS)
        while True:
            born = _TODAY - timedelta(days=365 * age + rng.randrange(365))
            # the sequence's last digit is odd for men and even for women
            sequence = f"{rng.randrange(100):02d}{rng.randrange(5) * 2 + (1 if male else 0)}"
            first17 = f"{region}{born:%Y%m%d}{sequence}"
            number = first17 + id_check_digit(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                assert valid_id_number(number)
                return number

    def someone(
        self, male: bool | None = None, age: int | None = None, surname: str | None = None, phone: bool = True
    ) -> _Someone:
        if male is None:
            male = self.rng.random() < 0.6
        if age is None:
            age = self.rng.randint(28, 58)
        surname, name = self.name(male, surname)
        return _Someone(
            surname=surname,
            name=name,
            male=male,
            age=age,
            phone=self.phone() if phone else None,
            id_number=self.id_number(male, age),
        )


class _Builder:
    def __init__(self, session, password_hash: str, seed: int):
        self.session = session
        self.password_hash = password_hash
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.gen = _Generator(fake, self.rng)
        self.person_seq: dict[str, int] = {}
        self.people: list[Person] = []
        self.accounts: dict[str, Person] = {}

    # --- people -------------------------------------------------------------------------

    def person(
        self,
        unit: OrgUnit,
        role: Role,
        who: _Someone | None = None,
        department: Department | None = None,
        team: Team | None = None,
        username: str | None = None,
    ) -> Person:
        who = who or self.gen.someone()
        n = self.person_seq[unit.code] = self.person_seq.get(unit.code, 0) + 1
        person = Person(
            code=f"P{unit.code}{n:03d}",
            name=who.name,
            phone=who.phone,
            id_number=who.id_number,
            roles=[role.value],
            org_unit_id=unit.id,
            department_id=department.id if department else None,
            team_id=team.id if team else None,
            username=username,
            password_hash=self.password_hash if username else None,
            password_changed_at=utcnow() if username else None,  # seeded as already changed
            active=True,
        )
        self.people.append(person)
        if username:
            self.accounts[username] = person
        return person

    # --- the org tree -------------------------------------------------------------------

    def flush_paths(self, units: list[OrgUnit], parents: dict[int, OrgUnit]) -> None:
        self.session.add_all(units)
        self.session.flush()
        for unit in units:
            parent = parents.get(unit.parent_id) if unit.parent_id else None
            unit.path = child_path(parent.path if parent else None, unit.id)

    def org_tree(self) -> tuple[OrgUnit, list[OrgUnit], dict[int, list[OrgUnit]], dict[int, list[OrgUnit]]]:
        rng = self.rng
        county = OrgUnit(parent_id=None, level=Level.county.value, code=COUNTY_CODE, name=COUNTY_NAME)
        self.flush_paths([county], {})

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
        self.flush_paths(townships, {county.id: county})

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
        self.flush_paths(villages, {t.id: t for t in townships})

        grids_of: dict[int, list[OrgUnit]] = {}
        grids: list[OrgUnit] = []
        for village in villages:
            grids_of[village.id] = [
                OrgUnit(
                    parent_id=village.id,
                    level=Level.grid.value,
                    code=f"{village.code}{i + 1:02d}",
                    name=f"{village.name}第{_numeral(i + 1)}网格",
                )
                for i in range(rng.randint(3, 4))
            ]
            grids.extend(grids_of[village.id])
        self.flush_paths(grids, {v.id: v for v in villages})
        self.all_units = [county, *townships, *villages, *grids]
        return county, townships, villages_of, grids_of

    # --- households and residents -------------------------------------------------------

    def households(self, village: OrgUnit, grid_index: int, grid: OrgUnit) -> list[tuple[Household, list]]:
        """The grid's households, each with its residents as `_Someone` and relation."""
        rng, gen = self.rng, self.gen
        community = village.name.endswith("社区")
        result = []
        count = rng.randint(25, 40)
        for n in range(1, count + 1):
            head_male = rng.random() < 0.8
            head_age = rng.randint(26, 82)
            head = gen.someone(male=head_male, age=head_age)
            members = [("户主", head)]
            size = rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 3])[0]
            relations = ["配偶"] if size >= 2 else []
            parent_odds = 0.5 if head_age < 40 else 0.2 if head_age < 60 else 0.0
            relations += ["父母" if rng.random() < parent_odds else "子女" for _ in range(size - 2)]
            father_surname = head.surname if head_male else None
            for relation in relations:
                if relation == "配偶":
                    age = max(20, head_age + rng.randint(-5, 4))
                    who = gen.someone(male=not head_male, age=age, phone=rng.random() < 0.85)
                    if not head_male:
                        father_surname = who.surname
                elif relation == "子女":
                    # children take the father's surname
                    age = max(0, head_age - rng.randint(22, 36))
                    surname = father_surname
                    who = gen.someone(surname=surname, age=age, phone=age >= 18 and rng.random() < 0.8)
                else:
                    # the head's father shares the head's surname
                    male = rng.random() < 0.5
                    age = min(98, head_age + rng.randint(22, 34))
                    surname = head.surname if male else None
                    who = gen.someone(male=male, surname=surname, age=age, phone=rng.random() < 0.5)
                members.append((relation, who))
            if community:
                address = f"{village.name}{grid_index * 6 + (n - 1) // 8 + 1}幢{(n - 1) % 8 + 1:02d}号"
            else:
                group = grid_index * 2 + (1 if n <= count // 2 else 2)
                address = f"{village.name}{group}组{n}号"
            household = Household(
                code=f"H{grid.code}{n:03d}",
                grid_id=grid.id,
                address=address,
                head_name=head.name,
                phone=head.phone,
            )
            result.append((household, members))
        return result

    # --- everything ---------------------------------------------------------------------

    def build(self) -> tuple[OrgUnit, dict[str, int]]:
        session, rng = self.session, self.rng
        county, townships, villages_of, grids_of = self.org_tree()

        departments = [
            Department(code=f"D{COUNTY_CODE}{i + 1:02d}", name=name, org_unit_id=county.id)
            for i, name in enumerate(COUNTY_DEPARTMENTS)
        ]
        platforms = [
            Department(code=f"D{t.code}01", name=f"{t.name}{TOWNSHIP_PLATFORM}", org_unit_id=t.id)
            for t in townships
        ]
        teams_of: dict[int, list[Team]] = {}
        for township in townships:
            villages = villages_of[township.id]
            count = max(2, min(3, (len(villages) + 2) // 3 + rng.randint(0, 1)))
            teams_of[township.id] = [
                Team(
                    code=f"T{township.code}{i + 1:02d}",
                    name=f"{township.name}联村组团{_numeral(i + 1)}",
                    org_unit_id=township.id,
                )
                for i in range(count)
            ]
        teams = [team for t in townships for team in teams_of[t.id]]
        session.add_all(departments + platforms + teams)
        session.flush()

        # county and department people
        self.person(county, Role.county_admin, username="admin")
        for department in departments + platforms:
            unit = (
                county
                if department.org_unit_id == county.id
                else next(t for t in townships if t.id == department.org_unit_id)
            )
            for i in range(STAFF_PER_DEPARTMENT):
                username = "dept" if department is departments[0] and i == 0 else None
                self.person(unit, Role.department_staff, department=department, username=username)

        # township leaders and their teams
        team_villages: list[tuple[Team, OrgUnit]] = []
        for t_index, township in enumerate(townships):
            username = {0: "township", 1: "township2"}.get(t_index)
            self.person(township, Role.township_leader, username=username)
            own_teams = teams_of[township.id]
            for team_index, (team, villages) in enumerate(
                zip(own_teams, _split(villages_of[township.id], len(own_teams)), strict=True)
            ):
                for i in range(3):
                    username = "team" if t_index == 0 and team_index == 0 and i == 0 else None
                    self.person(township, Role.team_cadre, team=team, username=username)
                team_villages.extend((team, v) for v in villages)

        # villages: secretary, cadres, grid workers, households, members
        cadre_grids: list[tuple[Person, OrgUnit]] = []
        households: list[Household] = []
        residents_of: dict[int, list] = {}  # id(household) -> residents
        member_households: list[tuple[Person, Household]] = []
        first_village = villages_of[townships[0].id][0]
        for township in townships:
            for village in villages_of[township.id]:
                first = village is first_village
                grids = grids_of[village.id]
                self.person(village, Role.village_secretary, username="secretary" if first else None)
                cadres = [
                    self.person(village, Role.village_cadre, username="cadre" if first and i == 0 else None)
                    for i in range(rng.randint(3, 5))
                ]
                # every grid gets a cadre; then each cadre takes one or two grids (the demo cadre two)
                linked = {id(c): [] for c in cadres}
                for j, grid in enumerate(grids):
                    linked[id(cadres[j % len(cadres)])].append(grid)
                for i, cadre in enumerate(cadres):
                    want = 2 if i == 0 else rng.choice([1, 2])
                    spare = [g for g in grids if g not in linked[id(cadre)]]
                    while len(linked[id(cadre)]) < want and spare:
                        linked[id(cadre)].append(spare.pop(rng.randrange(len(spare))))
                    cadre_grids.extend((cadre, g) for g in linked[id(cadre)])

                for g_index, grid in enumerate(grids):
                    first_grid = first and g_index == 0
                    self.person(grid, Role.grid_worker, username="gridworker" if first_grid else None)
                    grid_households = self.households(village, g_index, grid)
                    for household, members in grid_households:
                        households.append(household)
                        residents_of[id(household)] = members
                    homes = [h for h, _ in grid_households]
                    chunks = _split(homes, max(1, round(len(homes) / HOUSEHOLDS_PER_MEMBER)))
                    for m_index, chunk in enumerate(chunks):
                        # the member is usually the head of the first household they serve
                        head = residents_of[id(chunk[0])][0][1]
                        who = head if 18 <= head.age < 80 else None
                        username = "member" if first_grid and m_index == 0 else None
                        member = self.person(grid, Role.member, who=who, username=username)
                        member_households.extend((member, h) for h in chunk)
                    if first_grid:
                        # the demo resident: the head of the grid's last household, not linked to `member`
                        _, members = grid_households[-1]
                        self.person(grid, Role.resident, who=members[0][1], username="resident")

        session.add_all(self.people)
        session.add_all(households)
        session.flush()

        residents = [
            Resident(
                household_id=household.id,
                name=who.name,
                relation=relation,
                phone=who.phone,
                id_number=who.id_number,
            )
            for household in households
            for relation, who in residents_of[id(household)]
        ]
        links = [Link(kind=LinkKind.cadre_grid.value, source_id=p.id, target_id=g.id) for p, g in cadre_grids]
        links += [
            Link(kind=LinkKind.member_household.value, source_id=p.id, target_id=h.id)
            for p, h in member_households
        ]
        links += [
            Link(kind=LinkKind.team_village.value, source_id=t.id, target_id=v.id) for t, v in team_villages
        ]
        session.add_all(residents)
        session.add_all(links)
        session.flush()

        missing = {a["username"] for a in DEMO_ACCOUNTS} - set(self.accounts)
        assert not missing, f"demo accounts not created: {missing}"
        counts = {
            "org_units": len(self.all_units),
            "departments": len(departments) + len(platforms),
            "teams": len(teams),
            "people": len(self.people),
            "households": len(households),
            "residents": len(residents),
            "links": len(links),
        }
        return county, counts


def seed_demo(uow, password_hash: str, seed: int = 2026) -> dict:
    """Write the demo county into `uow.session` and emit one `demo.seeded` event.

    Returns the number of rows written per table. The caller commits.
    """
    session = uow.session
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == COUNTY_CODE)) is not None:
        raise ValueError(f"演示数据已存在（{COUNTY_NAME}，编码 {COUNTY_CODE}）")
    county, counts = _Builder(session, password_hash, seed).build()
    uow.emit(
        DomainEvent(
            service="grids", name="demo.seeded", data=dict(counts), subject="demo", org_path=county.path
        )
    )
    return counts
