"""The demo county built row by row through the ORM: departments and teams, the people in
every role (the demo accounts among them), households and the three kinds of link."""

from __future__ import annotations

import random

from faker import Faker

from common.events import utcnow
from services.grids.demo.accounts import DEMO_ACCOUNTS
from services.grids.demo.households import households as grid_households_of
from services.grids.demo.naming import COUNTY_DEPARTMENTS, TOWNSHIP_PLATFORM, numeral
from services.grids.demo.people import Generator, Someone
from services.grids.demo.tree import COUNTY_CODE, org_tree
from services.grids.domain import LinkKind, Role
from services.grids.models import Department, Household, Link, OrgUnit, Person, Resident, Team

STAFF_PER_DEPARTMENT = 2
HOUSEHOLDS_PER_MEMBER = 11


def _split(items: list, parts: int) -> list[list]:
    """`items` cut into `parts` consecutive chunks whose sizes differ by at most one."""
    size, extra = divmod(len(items), parts)
    chunks, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


class Builder:
    """One demo county; `build` writes it and returns the county and the rows per table."""

    def __init__(self, session, password_hash: str, seed: int):
        self.session = session
        self.password_hash = password_hash
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.gen = Generator(fake, self.rng)
        self.person_seq: dict[str, int] = {}
        self.people: list[Person] = []
        self.accounts: dict[str, Person] = {}

    def person(
        self,
        unit: OrgUnit,
        role: Role,
        who: Someone | None = None,
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

    def build(self) -> tuple[OrgUnit, dict[str, int]]:
        session, rng = self.session, self.rng
        county, townships, villages_of, grids_of, units = org_tree(session, rng)

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
                    name=f"{township.name}联村组团{numeral(i + 1)}",
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
                    grid_households = grid_households_of(rng, self.gen, village, g_index, grid)
                    for household, members in grid_households:
                        households.append(household)
                        residents_of[id(household)] = members
                    homes = [h for h, _ in grid_households]
                    chunks = _split(homes, max(1, round(len(homes) / HOUSEHOLDS_PER_MEMBER)))
                    for m_index, chunk in enumerate(chunks):
                        # the member usually lives in the grid, as the head of a household that
                        # a neighbouring member serves: nobody visits (and is rated by) their own home
                        home = chunks[(m_index + 1) % len(chunks)][0] if len(chunks) > 1 else None
                        head = residents_of[id(home)][0][1] if home is not None else None
                        who = head if head is not None and 18 <= head.age < 80 else None
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
            "org_units": len(units),
            "departments": len(departments) + len(platforms),
            "teams": len(teams),
            "people": len(self.people),
            "households": len(households),
            "residents": len(residents),
            "links": len(links),
        }
        return county, counts
