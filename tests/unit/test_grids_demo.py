"""The demo county: realistic, linked the 三联工程 way, and the same for the same seed."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.storage import make_engine
from services.grids.demo import COUNTY_CODE, DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from services.grids.domain import (
    ROLE_PLACE_LEVEL,
    Level,
    LinkKind,
    Role,
    child_path,
    valid_id_number,
    valid_phone,
)
from services.grids.models import (
    Base,
    Department,
    Household,
    Link,
    OrgUnit,
    OutboxMessage,
    Person,
    ProcessedEvent,
    Resident,
    Team,
)

HASH = "$argon2id$v=19$m=65536,t=3,p=4$demo$hash"


def _seeded(directory, seed: int = 2026):
    engine = make_engine("sqlite:///" + str(directory / "g.db"))
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine)
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        started = time.perf_counter()
        counts = seed_demo(uow, HASH, seed=seed)
        elapsed = time.perf_counter() - started
        events = list(uow.events)
        uow.commit()
    return engine, factory, counts, events, elapsed


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    engine, factory, counts, events, elapsed = _seeded(tmp_path_factory.mktemp("demo"))
    print(f"\nseeded in {elapsed:.2f}s: {counts}")
    with factory() as session:
        yield session, counts, events, elapsed
    engine.dispose()


def _units(session) -> dict[int, OrgUnit]:
    return {u.id: u for u in session.scalars(select(OrgUnit))}


def _active_links(session, kind: LinkKind) -> list[Link]:
    return list(session.scalars(select(Link).where(Link.kind == kind.value, Link.active_key == 0)))


def _village_of(unit: OrgUnit, units: dict[int, OrgUnit]) -> OrgUnit:
    return units[unit.parent_id] if unit.level == Level.grid.value else unit


def test_counts_match_the_tables_and_one_summary_event(demo):
    session, counts, events, elapsed = demo
    tables = {
        "org_units": OrgUnit,
        "departments": Department,
        "teams": Team,
        "people": Person,
        "households": Household,
        "residents": Resident,
        "links": Link,
    }
    for key, model in tables.items():
        assert counts[key] == session.scalar(select(func.count()).select_from(model)), key
    assert 2500 <= counts["households"] <= 5000
    assert counts["residents"] >= 2 * counts["households"]
    assert elapsed < 15

    assert [e.name for e in events] == ["demo.seeded"]
    county = session.scalar(select(OrgUnit).where(OrgUnit.level == Level.county.value))
    assert events[0].org_path == county.path
    assert events[0].subject == "demo"
    outbox = list(session.scalars(select(OutboxMessage)))
    assert [o.type for o in outbox] == ["grassroots.grids.demo.seeded.v1"]
    assert outbox[0].data == counts


def test_org_tree_shape_and_paths(demo):
    session, *_ = demo
    units = _units(session)
    by_level = Counter(u.level for u in units.values())
    assert by_level[Level.county.value] == 1
    assert by_level[Level.township.value] == 4
    children = Counter(u.parent_id for u in units.values())
    for unit in units.values():
        if unit.parent_id is None:
            assert unit.level == Level.county.value
            assert unit.path == child_path(None, unit.id)
            assert len(unit.code) == 6
            continue
        parent = units[unit.parent_id]
        assert unit.path == parent.path + f"{unit.id}/"
        assert unit.path == child_path(parent.path, unit.id)
        assert unit.code.startswith(parent.code)
        assert len(unit.code) - len(parent.code) == (2 if unit.level == Level.grid.value else 3)
        if unit.level == Level.township.value:
            assert unit.name.endswith(("镇", "乡", "街道"))
            assert 6 <= children[unit.id] <= 8
        elif unit.level == Level.village.value:
            assert unit.name.endswith(("村", "社区"))
            assert 3 <= children[unit.id] <= 4
        else:
            assert unit.name.startswith(parent.name) and unit.name.endswith("网格")
    assert (
        len({u.name for u in units.values() if u.level == Level.village.value})
        == by_level[Level.village.value]
    )


def test_departments(demo):
    session, *_ = demo
    units = _units(session)
    departments = list(session.scalars(select(Department)))
    names = {d.name for d in departments}
    assert {"县住建局", "县农业农村局", "县供电公司", "中国移动县分公司"} <= names
    townships = [u for u in units.values() if u.level == Level.township.value]
    for township in townships:
        platform = [d for d in departments if d.name == f"{township.name}综合信息指挥室"]
        assert len(platform) == 1 and platform[0].org_unit_id == township.id
    assert len({d.code for d in departments}) == len(departments)


def test_demo_accounts_exist_with_role_and_place(demo):
    session, *_ = demo
    units = _units(session)
    usernames = [a["username"] for a in DEMO_ACCOUNTS]
    assert usernames == [
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
    ]
    assert len({a["role"] for a in DEMO_ACCOUNTS}) == 9
    assert all(a["description"] for a in DEMO_ACCOUNTS)
    assert DEMO_PASSWORD == "Demo@2026"
    for account in DEMO_ACCOUNTS:
        person = session.scalar(select(Person).where(Person.username == account["username"]))
        assert person is not None, account["username"]
        assert person.roles == [account["role"]]
        assert person.password_hash == HASH
        assert person.active
        place = units[person.org_unit_id]
        assert Level(place.level) in ROLE_PLACE_LEVEL[Role(account["role"])], account["username"]
    # nobody else can sign in
    assert session.scalar(select(func.count()).where(Person.username.is_not(None))) == len(DEMO_ACCOUNTS)
    assert session.scalar(select(func.count()).where(Person.password_hash.is_not(None))) == len(DEMO_ACCOUNTS)


def test_demo_accounts_sit_where_the_brief_says(demo):
    session, *_ = demo
    units = _units(session)
    account = {p.username: p for p in session.scalars(select(Person).where(Person.username.is_not(None)))}
    county = next(u for u in units.values() if u.level == Level.county.value)
    townships = sorted((u for u in units.values() if u.level == Level.township.value), key=lambda u: u.code)
    first_village = min((u for u in units.values() if u.parent_id == townships[0].id), key=lambda u: u.code)
    first_grid = min((u for u in units.values() if u.parent_id == first_village.id), key=lambda u: u.code)

    assert account["admin"].org_unit_id == county.id
    assert account["township"].org_unit_id == townships[0].id
    assert account["township2"].org_unit_id == townships[1].id
    dept = session.get(Department, account["dept"].department_id)
    assert dept.name == "县住建局" and dept.org_unit_id == county.id

    # secretary, cadre, grid worker, member and resident all lie in the same village
    village_ids = {
        _village_of(units[account[name].org_unit_id], units).id
        for name in ("secretary", "cadre", "gridworker", "member", "resident")
    }
    assert village_ids == {first_village.id}
    assert account["secretary"].org_unit_id == first_village.id
    assert account["gridworker"].org_unit_id == first_grid.id
    assert account["member"].org_unit_id == first_grid.id
    assert account["resident"].org_unit_id == first_grid.id

    cadre_grids = [link.target_id for link in _active_links(session, LinkKind.cadre_grid)
                   if link.source_id == account["cadre"].id]  # fmt: skip
    assert len(cadre_grids) == 2
    assert all(units[g].parent_id == first_village.id for g in cadre_grids)
    assert first_grid.id in cadre_grids

    member_homes = [link.target_id for link in _active_links(session, LinkKind.member_household)
                    if link.source_id == account["member"].id]  # fmt: skip
    assert 9 <= len(member_homes) <= 13
    grids = set(session.scalars(select(Household.grid_id).where(Household.id.in_(member_homes))))
    assert grids == {first_grid.id}

    team = account["team"]
    assert team.team_id is not None
    team_villages = [link.target_id for link in _active_links(session, LinkKind.team_village)
                     if link.source_id == team.team_id]  # fmt: skip
    assert first_village.id in team_villages


def test_member_household_links(demo):
    session, *_ = demo
    links = _active_links(session, LinkKind.member_household)
    per_household = Counter(link.target_id for link in links)
    household_ids = set(session.scalars(select(Household.id)))
    assert set(per_household) == household_ids
    assert set(per_household.values()) == {1}

    members = {p.id: p for p in session.scalars(select(Person)) if Role.member.value in p.roles}
    per_member = Counter(link.source_id for link in links)
    assert set(per_member) == set(members)
    average = sum(per_member.values()) / len(per_member)
    assert 9 <= average <= 13
    assert min(per_member.values()) >= 6 and max(per_member.values()) <= 16

    # a member serves households of their own grid
    grid_of = dict(session.execute(select(Household.id, Household.grid_id)).all())
    for link in links:
        assert grid_of[link.target_id] == members[link.source_id].org_unit_id

    # ...never their own home (they would rate their own visits), though most live in the grid
    phones_of: dict[int, set] = {}
    for hid, bidx in session.execute(select(Household.id, Household.phone_bidx)):
        phones_of.setdefault(hid, set()).add(bidx)
    for hid, bidx in session.execute(select(Resident.household_id, Resident.phone_bidx)):
        phones_of[hid].add(bidx)
    for link in links:
        assert members[link.source_id].phone_bidx not in phones_of[link.target_id], link.source_id
    at_home = {p.id for p in members.values() if any(p.phone_bidx in b for b in phones_of.values())}
    assert len(at_home) > len(members) / 2


def test_cadre_grid_links(demo):
    session, *_ = demo
    units = _units(session)
    cadres = {p.id: p for p in session.scalars(select(Person)) if Role.village_cadre.value in p.roles}
    links = _active_links(session, LinkKind.cadre_grid)
    per_cadre = Counter(link.source_id for link in links)
    assert set(per_cadre) == set(cadres)
    assert set(per_cadre.values()) <= {1, 2}
    for link in links:
        assert units[link.target_id].level == Level.grid.value
        assert units[link.target_id].parent_id == cadres[link.source_id].org_unit_id
    grids = {u.id for u in units.values() if u.level == Level.grid.value}
    assert {link.target_id for link in links} == grids

    villages = [u for u in units.values() if u.level == Level.village.value]
    for village in villages:
        in_village = [p for p in cadres.values() if p.org_unit_id == village.id]
        assert 3 <= len(in_village) <= 5
    secretaries = Counter(
        p.org_unit_id for p in session.scalars(select(Person)) if Role.village_secretary.value in p.roles
    )
    assert set(secretaries) == {v.id for v in villages} and set(secretaries.values()) == {1}
    workers = Counter(
        p.org_unit_id for p in session.scalars(select(Person)) if Role.grid_worker.value in p.roles
    )
    assert set(workers) == grids and set(workers.values()) == {1}


def test_every_village_has_a_team(demo):
    session, *_ = demo
    units = _units(session)
    teams = {t.id: t for t in session.scalars(select(Team))}
    links = _active_links(session, LinkKind.team_village)
    villages = {u.id for u in units.values() if u.level == Level.village.value}
    per_village = Counter(link.target_id for link in links)
    assert set(per_village) == villages
    assert set(per_village.values()) == {1}
    per_team = Counter(link.source_id for link in links)
    assert set(per_team) == set(teams)
    assert set(per_team.values()) <= {2, 3}
    for link in links:
        # a team takes villages of its own township
        assert units[link.target_id].parent_id == teams[link.source_id].org_unit_id
    per_township = Counter(t.org_unit_id for t in teams.values())
    assert set(per_township.values()) <= {2, 3}
    cadres = Counter(p.team_id for p in session.scalars(select(Person)) if Role.team_cadre.value in p.roles)
    assert set(cadres) == set(teams) and set(cadres.values()) == {3}


def test_phones_and_id_numbers_are_valid(demo):
    session, *_ = demo
    people = list(session.scalars(select(Person)))
    residents = list(session.scalars(select(Resident)))
    households = list(session.scalars(select(Household)))
    for person in people:
        assert person.phone and valid_phone(person.phone), person.phone
        assert person.id_number and valid_id_number(person.id_number), person.id_number
    for resident in residents:
        assert resident.phone is None or valid_phone(resident.phone), resident.phone
        assert resident.id_number and valid_id_number(resident.id_number), resident.id_number
    for household in households:
        assert household.phone and valid_phone(household.phone)
    assert len({r.id_number for r in residents}) == len(residents)


def test_households_and_residents(demo):
    session, *_ = demo
    units = _units(session)
    per_grid = Counter(session.scalars(select(Household.grid_id)))
    grids = {u.id for u in units.values() if u.level == Level.grid.value}
    assert set(per_grid) == grids
    assert all(25 <= n <= 40 for n in per_grid.values())
    residents = list(session.scalars(select(Resident)))
    per_household = Counter(r.household_id for r in residents)
    assert set(per_household.values()) <= {1, 2, 3, 4}
    assert {r.relation for r in residents} <= {"户主", "配偶", "子女", "父母"}
    heads = {r.household_id: r for r in residents if r.relation == "户主"}
    for household in session.scalars(select(Household)):
        assert heads[household.id].name == household.head_name
        village = units[units[household.grid_id].parent_id]
        assert household.address.startswith(village.name)
        if village.name.endswith("村"):
            assert "组" in household.address and household.address.endswith("号")
    codes = list(session.scalars(select(Household.code)))
    assert len(set(codes)) == len(codes)


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    def snapshot(directory, seed):
        engine, factory, counts, _, _ = _seeded(directory, seed)
        with factory() as session:
            data = (
                counts,
                session.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.path).order_by(OrgUnit.id)).all(),
                session.execute(
                    select(
                        Person.code, Person.name, Person.phone, Person.id_number, Person.username
                    ).order_by(Person.id)
                ).all(),
                session.execute(
                    select(Household.code, Household.head_name, Household.address).order_by(Household.id)
                ).all(),
                session.execute(select(Resident.name, Resident.id_number).order_by(Resident.id)).all(),
                session.execute(select(Link.kind, Link.source_id, Link.target_id).order_by(Link.id)).all(),
            )
        engine.dispose()
        return data

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    first = snapshot(tmp_path / "a", 2026)
    second = snapshot(tmp_path / "b", 2026)
    assert first == second
    other = snapshot(tmp_path / "c", 7)
    assert [row.name for row in other[2]] != [row.name for row in first[2]]


def test_seeding_twice_is_refused(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "g.db"))
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine)
    with factory() as session:
        session.add(OrgUnit(level=Level.county.value, code=COUNTY_CODE, name="青溪县", path="/1/"))
        session.commit()
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        with pytest.raises(ValueError):
            seed_demo(uow, HASH)
        assert uow.events == []
    engine.dispose()
