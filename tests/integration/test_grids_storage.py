"""The grids use cases on both backends (SQLite, the embedded default; PostgreSQL, production)."""

import pytest
from sqlalchemy import func, select

from common.errors import DomainError
from services.grids import account_admin, accounts, audit, commands, models, queries
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
        claims, refusal = accounts.authenticate(u.session, username, DEMO_PASSWORD, refuse_password=None)
        u.commit()
        assert refusal is None
        return claims


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


def _auth(u, username, password, refuse=None):
    return accounts.authenticate(u.session, username, password, refuse_password=refuse, client="10.0.0.9")


def test_wrong_password_production_demo_password_and_lockout(grids):
    with grids() as u:
        assert _auth(u, "township", "wrong") == ({}, "login_failed")
        assert _auth(u, "township", DEMO_PASSWORD, refuse=DEMO_PASSWORD) == ({}, "login_failed")
        assert _auth(u, "nobody", DEMO_PASSWORD) == ({}, "login_failed")
        u.commit()
    # two failures are remembered; three more lock the account, even for the right password
    with grids() as u:
        for _ in range(3):
            assert _auth(u, "township", "wrong") == ({}, "login_failed")
        u.commit()
    with grids() as u:
        assert _auth(u, "township", DEMO_PASSWORD) == ({}, "account_locked")
    # an unknown username is counted and locked the same way (four failures so far: one above)
    with grids() as u:
        for _ in range(4):
            assert _auth(u, "nobody", "wrong") == ({}, "login_failed")
        u.commit()
    with grids() as u:
        assert _auth(u, "nobody", DEMO_PASSWORD) == ({}, "account_locked")
        u.commit()  # as the service does: the refusal is audited
    # another account is not affected, and a success resets the count
    with grids() as u:
        assert _auth(u, "township2", "wrong") == ({}, "login_failed")
        assert _auth(u, "township2", DEMO_PASSWORD)[0]["roles"]
        u.commit()
        assert u.session.get(models.LoginFailure, "township2") is None
        assert u.session.get(models.LoginFailure, "nobody").locked_until is not None
    with grids() as u:
        rows, _ = audit.entries(u.session, {"auditor"}, (), {"action": "login"}, 1, 50)
        outcomes = [(r.target, r.outcome, r.client) for r in rows]
    assert ("accounts/nobody", "locked", "10.0.0.9") in outcomes
    assert ("accounts/township2", "ok", "10.0.0.9") in outcomes


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
        candidates = u.session.scalars(
            select(models.Household)
            .join(models.OrgUnit, models.OrgUnit.id == models.Household.grid_id)
            .where(models.OrgUnit.path.startswith(leader.scope_paths[0]), models.Household.id.not_in(mine))
        ).all()
        member = u.session.get(models.Person, member_id)
        # the demo member lives in the grid, in a household another member serves
        own = [h.id for h in candidates if queries.lives_in(u.session, member, h.id)]
        assert len(own) == 1, own
        household = next(h for h in candidates if h.id not in own)
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
    # nobody is linked to their own home: they would rate their own visits
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_link(
            u, leader, {"kind": "member_household", "source_id": member_id, "target_id": own[0]}
        )
    assert caught.value.code == "validation_failed" and "自己家" in str(caught.value.fields), (
        caught.value.fields
    )
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
        org_changes = {"target": "org_units/"}  # logins are audited too
        rows, total = audit.entries(u.session, leader.roles, leader.scope_paths, org_changes, 1, 10)
        other = actor(login(grids, "township2"))
        outside, _ = audit.entries(u.session, other.roles, other.scope_paths, org_changes, 1, 10)
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
        account_admin.grant_account(u, other, person.id, "zhang.san", "S3cret-pass")
    assert caught.value.code == "out_of_scope"
    with grids() as u, pytest.raises(DomainError) as caught:
        account_admin.grant_account(u, leader, person.id, "township2", "S3cret-pass")
    assert caught.value.code == "conflict"
    with grids() as u:
        account_admin.grant_account(u, leader, person.id, "zhang.san", "S3cret-pass")
        u.commit()
    with grids() as u:
        claims, refusal = accounts.authenticate(u.session, "zhang.san", "S3cret-pass", refuse_password=None)
    assert claims["id"] == person.id and claims["must_change_password"] is True and refusal is None


def test_nobody_gives_a_scope_beyond_their_own(grids):
    """A township leader cannot make a county admin or staff of a county department, cannot add
    someone to another township's team, nor grant a login to a person whose team takes another
    township's villages; a village secretary cannot make a township leader; a link may not
    widen the scope of someone outside the caller's."""
    leader, secretary = actor(login(grids, "township")), actor(login(grids, "secretary"))
    with grids() as u:
        s = u.session
        township = s.get(models.OrgUnit, login(grids, "township")["org_unit_id"])
        village = s.get(models.OrgUnit, login(grids, "secretary")["org_unit_id"])
        county = s.get(models.OrgUnit, township.parent_id)
        county_dept = s.scalars(
            select(models.Department).where(models.Department.org_unit_id == county.id)
        ).first()
        own_dept = s.scalars(
            select(models.Department).where(models.Department.org_unit_id == township.id)
        ).first()
        own_team = s.scalars(select(models.Team).where(models.Team.org_unit_id == township.id)).first()
        far_team = s.scalars(select(models.Team).where(models.Team.org_unit_id != township.id)).first()
        far_people = s.scalars(
            select(models.Person)
            .join(models.OrgUnit, models.OrgUnit.id == models.Person.org_unit_id)
            .where(~models.OrgUnit.path.startswith(township.path), models.OrgUnit.level == "grid")
        )
        far_member_id = next(p.id for p in far_people if "member" in p.roles)
        grid = s.scalars(select(models.OrgUnit).where(models.OrgUnit.parent_id == village.id)).first()
        household_id = s.scalars(
            select(models.Household.id).where(models.Household.grid_id == grid.id)
        ).first()
        people_before = s.scalar(select(func.count()).select_from(models.Person))
    codes = iter(range(1, 100))

    def person(**kw):
        return {"code": f"GIVE{next(codes):02d}", "name": "越权", "phone": None, "id_number": None} | kw

    refused = [
        (leader, person(roles=["county_admin"], org_unit_id=county.id)),
        (leader, person(roles=["department_staff"], org_unit_id=township.id, department_id=county_dept.id)),
        (leader, person(roles=["team_cadre"], org_unit_id=township.id, team_id=far_team.id)),
        (leader, person(roles=["resident"], org_unit_id=grid.id, team_id=far_team.id)),
        (secretary, person(roles=["township_leader"], org_unit_id=township.id)),
        (secretary, person(roles=["resident"], org_unit_id=grid.id, department_id=own_dept.id)),
    ]
    for who, data in refused:
        with grids() as u, pytest.raises(DomainError) as caught:
            commands.create_person(u, who, data)
        assert caught.value.code == "out_of_scope", data
    with grids() as u:
        assert u.session.scalar(select(func.count()).select_from(models.Person)) == people_before
        staff = person(roles=["department_staff"], org_unit_id=township.id, department_id=own_dept.id)
        made = commands.create_person(u, leader, staff)
        cadre = commands.create_person(
            u, leader, person(roles=["team_cadre"], org_unit_id=township.id, team_id=own_team.id)
        )
        u.commit()
        assert made.department_id == own_dept.id and cadre.team_id == own_team.id

    # the county moves the cadre to another township's team: the leader may no longer give a login
    with grids() as u:
        u.session.get(models.Person, cadre.id).team_id = far_team.id
        u.commit()
    with grids() as u, pytest.raises(DomainError) as caught:
        account_admin.grant_account(u, leader, cadre.id, "far.cadre", "S3cret-pass")
    assert caught.value.code == "out_of_scope"

    # links: another township's member to a household here; another township's team to a village here
    for who in (leader, secretary):
        with grids() as u, pytest.raises(DomainError) as caught:
            body = {"kind": "member_household", "source_id": far_member_id, "target_id": household_id}
            commands.create_link(u, who, body)
        assert caught.value.code == "out_of_scope"
    with grids() as u, pytest.raises(DomainError) as caught:
        commands.create_link(
            u, leader, {"kind": "team_village", "source_id": far_team.id, "target_id": village.id}
        )
    assert caught.value.code == "out_of_scope"
