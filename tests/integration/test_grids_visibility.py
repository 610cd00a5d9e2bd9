"""Least-privilege reads of grids on the demo county, on both backends: the SQL filters of
services/grids/visibility.py against real rows."""

import pytest
from sqlalchemy import select

from services.grids import accounts, commands, models, queries
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.domain import Actor, LinkKind
from services.grids.visibility import load_reach
from tests.conftest import make_uow_factory


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request, pg_databases, sqlite_databases):
    make_db = pg_databases if request.param == "postgresql" else sqlite_databases
    uow = make_uow_factory(make_db("grids"), models)
    with uow() as u:
        seed_demo(u, commands.hasher.hash(DEMO_PASSWORD))
        u.commit()
    return uow


def actor(uow, username) -> Actor:
    with uow() as u:
        claims, _ = accounts.authenticate(u.session, username, DEMO_PASSWORD, refuse_password=None)
    return Actor.from_claims({**claims, "sub": claims["id"]})


def all_households(session, reach) -> list[dict]:
    return queries.households(session, reach, None, None, 1, 1000)[0]


def test_member_reads_only_linked_households_with_full_phone_numbers(seeded):
    member = actor(seeded, "member")
    with seeded() as u:
        linked = set(
            u.session.scalars(
                select(models.Link.target_id).where(
                    models.Link.kind == LinkKind.member_household.value,
                    models.Link.source_id == member.person_id,
                    models.Link.active_key == 0,
                )
            )
        )
        grid_households = set(
            u.session.scalars(
                select(models.Household.id).where(models.Household.grid_id == member_grid(u, member))
            )
        )
        reach = load_reach(u.session, member)
        seen = all_households(u.session, reach)
        other = min(grid_households - linked)
        full = {
            h.id: h.phone
            for h in u.session.scalars(select(models.Household).where(models.Household.id.in_(linked)))
        }
        people, total = queries.people(u.session, reach, None, None, None, 1, 500)
        links, _ = queries.links(u.session, reach, None, None, None, 1, 500)
        assert queries.household(u.session, reach, other) is None
    assert len(linked) >= 5 and grid_households - linked
    assert {h["id"] for h in seen} == linked
    assert all(h["phone"] == full[h["id"]] and "*" not in (h["phone"] or "") for h in seen)
    # ID numbers masked: a volunteer calls the households but has no use for them
    assert all("*" in r["id_number"] for h in seen for r in h["residents"] if r["id_number"])
    assert [p.id for p in people] == [member.person_id] and total == 1
    assert {link.target_id for link in links} == linked and all(
        link.source_id == member.person_id for link in links
    )


def member_grid(u, member) -> int:
    return u.session.get(models.Person, member.person_id).org_unit_id


def test_resident_reads_only_own_household_in_full(seeded):
    resident = actor(seeded, "resident")
    with seeded() as u:
        person = u.session.get(models.Person, resident.person_id)
        reach = load_reach(u.session, resident)
        seen = all_households(u.session, reach)
        people, _ = queries.people(u.session, reach, None, None, None, 1, 500)
        links, _ = queries.links(u.session, reach, None, None, None, 1, 500)
    assert len(seen) == 1
    (home,) = seen
    assert person.id_number in [r["id_number"] for r in home["residents"]]  # full, and theirs
    assert home["phone"] and "*" not in home["phone"]
    assert [p.id for p in people] == [resident.person_id]
    assert [(link.kind, link.target_id) for link in links] == [("member_household", home["id"])]


def test_department_staff_read_only_the_parties_to_their_orders_masked(seeded):
    dept = actor(seeded, "dept")
    worker = actor(seeded, "gridworker")
    with seeded() as u:
        household = u.session.scalar(select(models.Household).order_by(models.Household.id.desc()))
        nobody = load_reach(u.session, dept)
        assert all_households(u.session, nobody) == []
        assert [p.id for p in queries.people(u.session, nobody, None, None, None, 1, 50)[0]] == [
            dept.person_id
        ]
        orders = {"person_ids": [worker.person_id], "household_ids": [household.id]}
        reach = load_reach(u.session, dept, orders)
        seen = all_households(u.session, reach)
        people = queries.people(u.session, reach, None, None, None, 1, 50)[0]
        shown = [queries.person_for(p, reach) for p in people]
        assert queries.links(u.session, reach, None, None, None, 1, 50)[1] == 0
    assert [h["id"] for h in seen] == [household.id]
    assert "*" in seen[0]["phone"]
    assert {p["id"] for p in shown} == {dept.person_id, worker.person_id}
    other = next(p for p in shown if p["id"] == worker.person_id)
    assert "*" in other["phone"] and "username" not in other


def test_place_readers_keep_their_place_and_usernames_follow_account_rights(seeded):
    worker = actor(seeded, "gridworker")
    secretary = actor(seeded, "secretary")
    with seeded() as u:
        grid = u.session.get(models.Person, worker.person_id).org_unit_id
        in_grid = u.session.scalar(
            select(models.Household.id).where(models.Household.grid_id == grid).order_by(models.Household.id)
        )
        worker_reach, secretary_reach = load_reach(u.session, worker), load_reach(u.session, secretary)
        assert queries.household(u.session, worker_reach, in_grid) is not None
        by_worker = [
            queries.person_for(p, worker_reach)
            for p in queries.people(u.session, worker_reach, grid, None, None, 1, 200)[0]
        ]
        by_secretary = [
            queries.person_for(p, secretary_reach)
            for p in queries.people(u.session, secretary_reach, grid, None, None, 1, 200)[0]
        ]
    assert len(by_worker) > 1
    assert all(("username" in p) is (p["id"] == worker.person_id) for p in by_worker)
    assert all("username" in p for p in by_secretary)
    assert {p["username"] for p in by_secretary} >= {"gridworker", "member", "resident"}
