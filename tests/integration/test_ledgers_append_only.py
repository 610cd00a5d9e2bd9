"""The ledgers are append-only in the database itself (issue 16 part 5): raw SQL UPDATE and
DELETE of the task, procedure and field-work ledgers fail on both backends (TRUNCATE too on
PostgreSQL), the rows stay as written, and writing new rows goes on."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from common.scope import Actor
from common.storage import make_engine
from services.tasks import models
from services.tasks.fieldwork import commands as fieldwork
from services.tasks.procedures import commands as procedures
from services.tasks.taskflow import commands as taskflow
from tests.conftest import make_uow_factory

ADMIN = Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
LEDGERS = ("tf_ledger", "pr_ledger", "fw_ledger")


@pytest.fixture
def url(any_database):
    url = any_database("tasks")
    with make_uow_factory(url, models)() as u:
        now = datetime.now(UTC)
        taskflow.write_ledger(u.session, [taskflow.ledger_row(now, ADMIN, "task_created", "/1/2/3/", None)])
        procedures.write_ledger(u.session, [procedures.ledger_row(now, ADMIN, "step_completed", "/1/2/3/")])
        fieldwork.ledger_entry(u.session, "visit_recorded", "/1/2/3/4/", now, actor_id=1)
        u.commit()
    return url


def _count(url, table) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("table", LEDGERS)
@pytest.mark.parametrize("statement", ["UPDATE {t} SET org_path = '/9/'", "DELETE FROM {t}", "TRUNCATE {t}"])
def test_a_ledger_row_is_never_changed_or_removed(url, table, statement):
    engine = make_engine(url)
    if statement.startswith("TRUNCATE") and engine.dialect.name == "sqlite":
        statement = "DELETE FROM {t} WHERE id > 0"  # SQLite has no TRUNCATE
    try:
        with pytest.raises(DatabaseError) as caught, engine.begin() as conn:
            conn.execute(text(statement.format(t=table)))
        assert f"{table} is append-only" in str(caught.value)
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT org_path FROM {table}")).scalars().all() != ["/9/"]
    finally:
        engine.dispose()
    assert _count(url, table) == 1


def test_new_rows_are_still_written(url):
    with make_uow_factory(url, models)() as u:
        now = datetime.now(UTC)
        taskflow.write_ledger(u.session, [taskflow.ledger_row(now, ADMIN, "task_approved", "/1/2/3/", None)])
        fieldwork.ledger_entry(u.session, "visit_recorded", "/1/2/3/4/", now, actor_id=1)
        u.commit()
    assert (_count(url, "tf_ledger"), _count(url, "fw_ledger")) == (2, 2)
