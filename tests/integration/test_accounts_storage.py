"""Account rules against the real databases (SQLite and PostgreSQL): the optional password
expiry, the demo password refused when production asks, a disabled account's login, and
the credential versions the gateways load."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.errors import DomainError
from common.events import utcnow
from services.grids import account_admin, accounts, audit, commands, credentials, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.domain import Actor
from tests.conftest import make_uow_factory


@pytest.fixture
def grids(any_database):
    uow = make_uow_factory(any_database("grids"), models)
    with uow() as u:
        seed_demo(u, commands.hasher.hash(DEMO_PASSWORD))
        u.commit()
    return uow


def _admin(grids) -> Actor:
    with grids() as u:
        claims, _ = accounts.authenticate(u.session, "admin", DEMO_PASSWORD, None)
    return Actor.from_claims({**claims, "sub": claims["id"], "client": "10.2.2.2"})


def test_password_expiry_asks_for_a_change(grids, monkeypatch):
    with grids() as u:
        person = u.session.scalar(select(models.Person).where(models.Person.username == "cadre"))
        person.password_changed_at = utcnow() - timedelta(days=100)
        u.commit()
    with grids() as u:
        assert (
            accounts.authenticate(u.session, "cadre", DEMO_PASSWORD, None)[0]["must_change_password"] is False
        )
    monkeypatch.setenv("GOV_PASSWORD_MAX_DAYS", "90")
    with grids() as u:
        assert (
            accounts.authenticate(u.session, "cadre", DEMO_PASSWORD, None)[0]["must_change_password"] is True
        )
        assert (
            accounts.authenticate(u.session, "member", DEMO_PASSWORD, None)[0]["must_change_password"]
            is False
        )


def test_production_refuses_the_demo_password_when_granting(grids):
    admin = _admin(grids)
    with grids() as u:
        person = u.session.scalar(select(models.Person).where(models.Person.username.is_(None)))
    with grids() as u, pytest.raises(DomainError) as caught:
        account_admin.grant_account(
            u, admin, person.id, "new.one", DEMO_PASSWORD, refuse_password=DEMO_PASSWORD
        )
    assert caught.value.fields == {"password": ["不能使用演示密码"]}
    with grids() as u:  # demo mode grants it
        account_admin.grant_account(u, admin, person.id, "new.one", DEMO_PASSWORD)
        u.commit()
        assert u.session.get(models.Person, person.id).must_change_password is True


def test_disabled_login_is_a_plain_failure_and_versions_move(grids):
    admin = _admin(grids)
    with grids() as u:
        cadre = u.session.scalar(select(models.Person).where(models.Person.username == "cadre"))
        account_admin.set_disabled(u, admin, cadre.id, True)
        u.commit()
    with grids() as u:
        assert accounts.authenticate(u.session, "cadre", DEMO_PASSWORD, None, "10.3.3.3") == (
            {},
            "login_failed",
        )
        u.commit()
        assert credentials.credential_versions(u.session) == {str(cadre.id): 2}
        rows, _ = audit.entries(u.session, {"auditor"}, (), {"target": "accounts/cadre"}, 1, 5)
        assert [(r.outcome, r.client) for r in rows] == [("disabled", "10.3.3.3")]
        rows, _ = audit.entries(u.session, {"auditor"}, (), {"action": "account.disabled"}, 1, 5)
        assert [(r.actor_id, r.client, r.target) for r in rows] == [
            (admin.person_id, "10.2.2.2", f"people/{cadre.id}")
        ]
    with grids() as u, pytest.raises(DomainError) as caught:
        account_admin.set_disabled(u, admin, admin.person_id, True)
    assert caught.value.code == "conflict"
