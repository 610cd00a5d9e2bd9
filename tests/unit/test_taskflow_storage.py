"""Taskflow storage on a migrated database (SQLite and PostgreSQL): the default catalogue
loads once, versions and retirement keep old tasks' matters, the catalogue round-trips
through .xlsx, and ledger rows can be appended but never changed or deleted."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from common.errors import DomainError
from common.scope import Actor
from services.tasks import models
from services.tasks.taskflow import commands, queries
from services.tasks.taskflow.models import LedgerEntry, Matter
from tests.conftest import make_uow_factory

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ADMIN = Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
DEPT = Actor(2, "部门", frozenset({"department_staff"}), 1, 3, ("/1/",))


@pytest.fixture
def uow_factory(any_database):
    return make_uow_factory(any_database("tasks"), models)


def test_default_catalogue_loads_once(uow_factory):
    with uow_factory() as uow:
        first = commands.seed_default(uow, NOW)
        uow.commit()
        assert first["created"] >= 60
    with uow_factory() as uow:
        again = commands.seed_default(uow, NOW)
        assert again["created"] == 0 and not uow.events
        assert uow.session.scalar(select(func.count(Matter.id))) == first["created"]


def test_versions_retirement_and_roles(uow_factory):
    with uow_factory() as uow:
        commands.seed_default(uow, NOW)
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(DomainError) as err:
            commands.update_matter(uow, DEPT, "PA001", {"name": "x", "levels": ["village"]}, NOW)
        assert err.value.code == "forbidden"
        v2 = commands.update_matter(
            uow, ADMIN, "PA001", {"name": "反诈宣传(新版)", "levels": ["village"]}, NOW
        )
        assert v2.version == 2 and v2.department == "县公安局"  # unchanged fields carry over
        commands.retire_matter(uow, ADMIN, "PA001", NOW)
        changes = [e.data["change"] for e in uow.events if e.type == "grassroots.tasks.catalogue.changed.v1"]
        assert changes == ["updated", "retired"]
        uow.commit()
    with uow_factory() as uow:
        versions = queries.matter_versions(uow.session, "PA001")
        assert [(m.version, m.current) for m in versions] == [(1, False), (2, True)]
        assert versions[1].retired_at is not None
        with pytest.raises(DomainError) as err:
            commands.retire_matter(uow, ADMIN, "PA001", NOW)
        assert err.value.code == "conflict"


def test_catalogue_xlsx_round_trip(uow_factory):
    with uow_factory() as uow:
        commands.seed_default(uow, NOW)
        uow.commit()
        content = queries.catalogue_xlsx(uow.session)
    rows, errors = queries.parse_catalogue_xlsx(content)
    assert not errors and len(rows) >= 60
    with uow_factory() as uow:
        report = commands.apply_catalogue(uow, ADMIN, rows, NOW)
        assert report["unchanged"] == len(rows) and report["created"] == report["updated"] == 0


def test_ledger_is_append_only(uow_factory):
    with uow_factory() as uow:
        commands.write_ledger(
            uow.session,
            [commands.ledger_row(NOW, ADMIN, "approved", "/1/2/", 1, None, "pending_review", "approved")],
        )
        uow.commit()
    with uow_factory() as uow:
        entry = uow.session.scalars(select(LedgerEntry)).one()
        assert entry.month == "2026-03" and '"action":"approved"' in entry.content
        entry.action = "rejected"
        with pytest.raises(RuntimeError, match="只能追加"):
            uow.session.flush()
    with uow_factory() as uow:
        entry = uow.session.scalars(select(LedgerEntry)).one()
        uow.session.delete(entry)
        with pytest.raises(RuntimeError, match="只能追加"):
            uow.session.flush()
