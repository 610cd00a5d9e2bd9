"""Service classes with nameko's worker_factory: entrypoints only translate; the database is a
real SQLite file (mock only what lies outside the platform)."""

import pytest
from nameko.testing.services import worker_factory

from common.errors import DomainError
from services.grids import commands
from services.grids import models as grids_models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.service import GridsService
from services.notify import models as notify_models
from services.notify.service import NotifyService
from tests.conftest import make_uow_factory


@pytest.fixture
def grids(sqlite_databases):
    uow = make_uow_factory(sqlite_databases("grids"), grids_models)
    with uow() as u:
        seed_demo(u, commands.hasher.hash(DEMO_PASSWORD))
        u.commit()
    return worker_factory(GridsService, db=uow)


def test_grids_entrypoints_translate(grids):
    leader = grids.authenticate("township", DEMO_PASSWORD)
    assert leader["roles"] == ["township_leader"]
    tree = grids.tree(leader, {"depth": 1})
    assert tree[0]["level"] == "township" and all(c["children"] == [] for c in tree[0]["children"])
    page = grids.households(leader, {"per_page": 3, "_": "cache-buster"})
    assert len(page["items"]) == 3 and page["meta"]["total"] > 3
    with pytest.raises(DomainError) as caught:
        grids.tree(leader, {"depth": 9})
    assert caught.value.code == "validation_failed" and "depth" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        grids.create_household(leader, {"code": "H1"})
    assert set(caught.value.fields) == {"grid_id", "address", "head_name"}
    who = grids.responsible_for_household(page["items"][0]["id"])
    assert who["members"] and who["grid_workers"]
    teams = grids.links_snapshot("team_village", 0, 5)
    members = grids.team_members([t["source_id"] for t in teams])
    assert all(len(ids) == 3 for ids in members.values())
    secretaries = grids.village_secretaries([who["village_id"]])
    assert len(secretaries[str(who["village_id"])]) == 1
    assert grids.role_holders("village_secretary", [who["village_id"]]) == secretaries
    first = grids.links_snapshot("member_household", 0, 100)
    rest = grids.links_snapshot("member_household", first[-1]["id"], 100000)
    assert len(first) == 100 and rest[0]["id"] > first[-1]["id"]
    assert (
        first[0]["grid_id"]
        and first[0]["village_id"]
        and first[0]["org_path"].endswith(f"/{first[0]['grid_id']}/")
    )


def test_grids_places_a_person_only_for_a_caller_who_may_read_them(grids):
    secretary = grids.authenticate("secretary", DEMO_PASSWORD)
    cadre = grids.authenticate("cadre", DEMO_PASSWORD)
    placed = grids.person_placement(secretary, cadre["id"])
    assert placed == {
        "id": cadre["id"],
        "name": cadre["name"],
        "roles": ["village_cadre"],
        "org_unit_id": secretary["org_unit_id"],
        "org_path": secretary["scope"][0],
        "level": "village",
        "active": True,
    }
    leader2 = grids.authenticate("township2", DEMO_PASSWORD)
    assert grids.person_placement(leader2, cadre["id"]) is None  # another township's person
    assert grids.person_placement(secretary, leader2["id"]) is None
    assert grids.person_placement(secretary, 10**9) is None


def test_grids_gives_the_requesters_contact_in_full(grids):
    resident = grids.authenticate("resident", DEMO_PASSWORD)
    found = grids.requester_contact(resident["id"], None, None)
    assert found["person_id"] == resident["id"] and found["name"] == resident["name"]
    assert len(found["phone"]) == 11 and "*" not in found["phone"]
    assert found["household_id"] and found["household_name"].endswith("户") and found["address"]
    assert found["place_name"].count(" / ") == 2  # township / village / grid
    household = grids.requester_contact(None, found["household_id"], None)
    assert household["person_id"] is None and household["name"] == found["household_name"][:-1]
    assert household["household_id"] == found["household_id"] and len(household["phone"]) == 11
    grid_path = grids.responsible_for_grid(resident["org_unit_id"])["org_path"]
    nobody = grids.requester_contact(None, None, grid_path)  # a newcomer: only the place is known
    assert nobody == {
        "person_id": None,
        "name": None,
        "phone": None,
        "household_id": None,
        "household_name": None,
        "address": None,
        "place_name": found["place_name"],
    }


def test_notify_applies_a_redelivered_event_once(sqlite_databases):
    service = worker_factory(
        NotifyService, db=make_uow_factory(sqlite_databases("notify"), notify_models), config={}
    )
    event = {
        "id": "00000000-0000-0000-0000-000000000001",
        "type": "grassroots.grids.person.assigned.v1",
        "subject": "people/7",
        "data": {"id": 7, "roles": ["grid_worker"]},
    }
    service.on_domain_event(event)
    service.on_domain_event(event)
    inbox = service.inbox({"id": 7}, {})
    assert inbox["meta"]["total"] == 1 and inbox["unread"] == 1
    assert "网格员" in inbox["items"][0]["body"]
    assert service.inbox({"id": 8}, {})["meta"]["total"] == 0
