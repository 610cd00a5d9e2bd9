"""The audit trail is append-only in the database itself: raw SQL UPDATE and DELETE (and
TRUNCATE on PostgreSQL) fail, on both backends, and the row stays as written."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from common.storage import make_engine

INSERT = text(
    "INSERT INTO audit_log (actor_id, action, target, org_path, detail, at, client, outcome) "
    "VALUES (1, 'login', 'accounts/admin', '/1/', '{}', :at, '10.1.1.1', 'ok')"
)


@pytest.fixture
def engine(any_database):
    engine = make_engine(any_database("grids"))
    with engine.begin() as conn:
        conn.execute(INSERT, {"at": "2026-01-01 00:00:00+00:00"})  # older than 180 days: still kept
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'failed'",
        "UPDATE audit_log SET actor_id = 2 WHERE action = 'login'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE at < CURRENT_TIMESTAMP",
    ],
)
def test_update_and_delete_fail(engine, statement):
    with pytest.raises(DatabaseError) as caught, engine.begin() as conn:
        conn.execute(text(statement))
    assert "audit_log is append-only" in str(caught.value)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor_id, outcome, client FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [(1, "ok", "10.1.1.1")]


def test_truncate_fails_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        assert engine.dialect.name == "sqlite"  # SQLite has no TRUNCATE; DELETE is covered above
        return
    with pytest.raises(DatabaseError) as caught, engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    assert "audit_log is append-only" in str(caught.value)


def test_inserting_still_works(engine):
    with engine.begin() as conn:
        conn.execute(INSERT, {"at": "2026-12-01 00:00:00+00:00"})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2
