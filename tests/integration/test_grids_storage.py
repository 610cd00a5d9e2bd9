"""The grids use cases on both backends (SQLite, the embedded default; PostgreSQL, production)."""

import pytest
from sqlalchemy import func, select

from common.errors import DomainError
from services.grids import commands, models, queries
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.domain import Actor
from services.grids.visibility import load_reach
from tests.conftest import make_uow_factory


@pytest.fixture
def grids(any_database):
    uow = make_uow_factory(any_database("grids"), models)
    with uow() as u:
        seed_demo(u, commands.hasher.hash(DEMO_PASSWORD))
        u.commit()
    return uow


def login(uow, username):
    with uow() as u:
        return commands.authenticate(u.session, username, DEMO_PASSWORD, refuse_password=None)


def actor(claims):
    return Actor.from_claims({**claims, "sub": claims["id"]})


def test_login_and_scope(grids):
    leader = login(grids, "township")
    other = login(grids, "township2")
    worker = login(grids, "gridworker")
    assert leader["scope"] != other["scope"]
    with grids() as u:
        leader_tree = queries.tree(u.session, actor(leader), None, 4)
        worker_tree = queries.tree(u.session, actor(worker), None, 4)
    assert [n["level"] for n in leader_tree] == ["township"]
    assert all(n["level"] == "grid" for n in worker_tree)
    leader_ids = _ids(leader_tree)
    assert _ids(worker_tree) <= leader_ids
    with grids() as u:  # fewer levels: the same nodes, cut at that depth
        shallow = {d: queries.tree(u.session, actor(leader), None, d) for d in (0, 1)}
    assert [n["children"] for n in shallow[0]] == [[]]
    villages = shallow[1][0]["children"]
    assert villages and all(n["level"] == "village" and n["children"] == [] for n in villages)
    assert [n["id"] for n in villages] == [n["id"] for n in leader_tree[0]["children"]]


def _ids(nodes):
    out = set()
    for node in nodes:
        out.add(node["id"])
        out |= _ids(node["children"])
    return out


def test_wrong_password_production_demo_password_and_lockout(grids):
    with grids() as u:
        assert commands.authenticate(u.session, "township", "wrong", refuse_password=None) == {}
        assert (
            commands.authenticate(u.session, "township", DEMO_PASSWORD, refuse_password=DEMO_PASSWORD) == {}
        )
        assert commands.authenticate(u.session, "nobody", DEMO_PASSWORD, refuse_password=None) == {}
        u.commit()
    # two failures are remembered; three more lock the account, even for the right password
    with grids() as u:
        for _ in range(3):
            assert commands.authenticate(u.session, "township", "wrong", refuse_password=None) == {}
        u.commit()
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.authenticate(u.session, "township", DEMO_PASSWORD, refuse_password=None)
    assert caught.value.code == "account_locked" and caught.value.status == 423
    # another account is not affected, and a success resets the count
    with grids() as u:
        assert commands.authenticate(u.session, "township2", "wrong", refuse_password=None) == {}
        assert commands.authenticate(u.session, "township2", DEMO_PASSWORD, refuse_password=None)["roles"]
        u.commit()
        assert (
            u.session.scalar(select(models.Person.failed_logins).where(models.Person.username == "township2"))
            == 0
        )


def test_people_are_masked_for_roles_without_need(grids):
    team = actor(login(grids, "team"))
    leader = actor(login(grids, "township"))
    with grids() as u:
        team_reach, leader_reach = load_reach(u.session, team), load_reach(u.session, leader)
        seen_by_team, _ = queries.people(u.session, team_reach, None, "grid_worker", None, 1, 5)
        seen_by_leader, total = queries.people(u.session, leader_reach, None, "grid_worker", None, 1, 500)
        rows = [queries.person_for(p, team_reach) for p in seen_by_team]
        leader_roles = [p.roles for p in seen_by_leader]
    assert rows and all("****" in r["phone"] for r in rows if r["phone"])
    assert all("username" not in r for r in rows)  # a team cadre administers no accounts
    assert total == len(leader_roles) > 0 and all("grid_worker" in roles for roles in leader_roles)


def test_create_link_checks_scope_and_rules_and_emits(grids):
    leader = actor(login(grids, "township"))
    outsider = actor(login(grids, "township2"))
    with grids() as u:
        member_id = u.session.scalar(select(models.Person.id).where(models.Person.username == "member"))
        mine = select(models.Link.target_id).where(models.Link.source_id == member_id)
        household = u.session.scalars(
            select(models.Household)
            .join(models.OrgUnit, models.OrgUnit.id == models.Household.grid_id)
            .where(models.OrgUnit.path.startswith(leader.scope_paths[0]), models.Household.id.not_in(mine))
        ).first()
        before = u.session.scalar(select(func.count()).select_from(models.OutboxMessage))
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_link(
            u, outsider, {"kind": "member_household", "source_id": member_id, "target_id": household.id}
        )
    assert caught.value.code == "out_of_scope"
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_link(
            u, leader, {"kind": "cadre_grid", "source_id": member_id, "target_id": household.grid_id}
        )
    assert caught.value.code == "validation_failed"
    with grids() as u:
        link = commands.create_link(
            u, leader, {"kind": "member_household", "source_id": member_id, "target_id": household.id}
        )
        u.commit()
        link_id = link.id
    with grids() as u:
        rows = u.session.scalars(select(models.OutboxMessage).order_by(models.OutboxMessage.seq.desc())).all()
        assert len(rows) == before + 1
        assert rows[0].type == "grassroots.grids.link.created.v1" and rows[0].data["id"] == link_id
    with grids() as u:
        commands.end_link(u, leader, link_id)
        u.commit()
    with grids() as u:
        assert u.session.get(models.Link, link_id).active_key == link_id


def test_changes_are_audited(grids):
    leader = actor(login(grids, "township"))
    with grids() as u:
        unit = commands.create_org_unit(
            u,
            leader,
            {
                "parent_id": login(grids, "township")["org_unit_id"],
                "level": "village",
                "code": "AU1",
                "name": "审计村",
            },
        )
        u.commit()
    with grids() as u:
        rows, total = queries.audit_entries(u.session, leader, None, 1, 10)
        outside, _ = queries.audit_entries(u.session, actor(login(grids, "township2")), None, 1, 10)
    assert total == 1 and rows[0].action == "org_unit.created" and rows[0].target == f"org_units/{unit.id}"
    assert rows[0].actor_id == leader.person_id and outside == []


def test_create_org_unit_and_person_rules(grids):
    leader = actor(login(grids, "township"))
    township_id = login(grids, "township")["org_unit_id"]
    with grids() as u:
        village = commands.create_org_unit(
            u, leader, {"parent_id": township_id, "level": "village", "code": "T1", "name": "新村"}
        )
        u.commit()
        village_id, village_path = village.id, village.path
    assert village_path.endswith(f"/{village_id}/")
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_org_unit(
            u, leader, {"parent_id": township_id, "level": "grid", "code": "T2", "name": "错网格"}
        )
    assert caught.value.code == "validation_failed"
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_org_unit(
            u, leader, {"parent_id": township_id, "level": "village", "code": "T1", "name": "重复"}
        )
    assert caught.value.code == "conflict"
    with grids() as u:
        person = commands.create_person(
            u,
            leader,
            {"code": "NEW1", "name": "王新", "roles": ["village_secretary"], "org_unit_id": village_id},
        )
        u.commit()
        assert person.id
    member = actor(login(grids, "member"))
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_person(
            u, member, {"code": "NEW2", "name": "李", "roles": ["member"], "org_unit_id": village_id}
        )
    assert caught.value.code == "forbidden"


def test_responsibility_lookups(grids):
    with grids() as u:
        grid = u.session.scalars(select(models.OrgUnit).where(models.OrgUnit.level == "grid")).first()
        who = queries.responsible_for_grid(u.session, grid)
    assert who["grid_workers"] and who["village_secretaries"] and who["team_cadres"]


def test_grant_account_in_scope_only(grids):
    leader = actor(login(grids, "township"))
    other = actor(login(grids, "township2"))
    with grids() as u:
        person = u.session.scalars(
            select(models.Person)
            .where(models.Person.username.is_(None), models.Person.org_unit_id != 1)
            .join(models.OrgUnit, models.OrgUnit.id == models.Person.org_unit_id)
            .where(models.OrgUnit.path.startswith(leader.scope_paths[0]))
        ).first()
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.grant_account(u, other, person.id, "zhang.san", "s3cret-pass")
    assert caught.value.code == "out_of_scope"
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.grant_account(u, leader, person.id, "township2", "s3cret-pass")
    assert caught.value.code == "conflict"
    with grids() as u:
        commands.grant_account(u, leader, person.id, "zhang.san", "s3cret-pass")
        u.commit()
    with grids() as u:
        claims = commands.authenticate(u.session, "zhang.san", "s3cret-pass", refuse_password=None)
    assert claims["id"] == person.id
