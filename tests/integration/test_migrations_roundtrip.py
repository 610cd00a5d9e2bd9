"""Every service's Alembic history runs forward, back to base and forward again (issue 11):
on PostgreSQL and on the embedded SQLite, a fresh database upgraded to heads holds every
table of the service's models, the downgrade leaves nothing behind (no table, index,
sequence, enum or trigger) and the second upgrade builds exactly the same schema. And
each revision's downgrade alone gives back the schema from just before its upgrade."""

import importlib

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from common.config import SERVICES
from common.migrations import alembic_config, downgrade, upgrade
from common.storage import normalize_url
from scripts.local_platform import create_pg_database, drop_pg_database

# the modules whose tables each service's migrations/env.py hands to Alembic
MODELS = {
    "grids": ["services.grids.models"],
    "scoring": ["services.scoring.models"],
    "notify": ["services.notify.models"],
    "tasks": [
        "services.tasks.models",
        "services.tasks.fieldwork.models",
        "services.tasks.hotspots.models",
        "services.tasks.open311.models",
        "services.tasks.procedures.models",
        "services.tasks.taskflow.models",
    ],
}

PG_OBJECTS = {
    "sequences": "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'",
    "enums": "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE n.nspname = 'public' AND t.typtype = 'e'",
    "triggers": "SELECT trigger_name || ' ON ' || event_object_table FROM information_schema.triggers",
    "functions": "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public'",
}


def model_tables(service: str) -> set[str]:
    base = importlib.import_module(MODELS[service][0]).Base
    for name in MODELS[service][1:]:
        importlib.import_module(name)
    return set(base.metadata.tables)


def schema(url: str) -> dict:
    """What the migrations made, minus Alembic's own bookkeeping table."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            tables = {}
            for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
                tables[table] = {
                    "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                    "indexes": sorted(
                        (i["name"], tuple(i["column_names"]), i["unique"]) for i in insp.get_indexes(table)
                    ),
                    "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
                    "foreign_keys": sorted(
                        (tuple(f["constrained_columns"]), f["referred_table"])
                        for f in insp.get_foreign_keys(table)
                    ),
                }
            if conn.dialect.name == "sqlite":
                # names only: batch mode rebuilds a table with the same columns but its own
                # spelling of the CREATE statement; the structure is compared above
                extra = {
                    "sqlite_master": sorted(
                        conn.execute(
                            text(
                                "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                                "AND tbl_name != 'alembic_version'"
                            )
                        ).all()
                    )
                }
            else:
                extra = {kind: sorted(conn.execute(text(sql)).scalars()) for kind, sql in PG_OBJECTS.items()}
            return {"tables": tables, **extra}
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request, tmp_path):
    """A database with nothing in it yet, on either backend: `make(service) -> url`."""
    if request.param == "sqlite":
        yield lambda service: f"sqlite:///{tmp_path / (service + '.db')}"
        return
    names = []

    def make(service: str) -> str:
        name, url = create_pg_database(service, "gov_test_roundtrip", migrate=False)
        names.append(name)
        return url

    yield make
    for name in names:
        drop_pg_database(name)


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_downgrade_upgrade(empty_database, service):
    url = empty_database(service)
    assert schema(url)["tables"] == {}

    upgrade(service, url)
    first = schema(url)
    assert set(first["tables"]) == model_tables(service)

    downgrade(service, url)
    emptied = schema(url)
    assert emptied["tables"] == {}, "downgrade left tables behind"
    assert all(not objects for kind, objects in emptied.items() if kind != "tables"), emptied

    upgrade(service, url)
    assert schema(url) == first


@pytest.mark.parametrize("service", SERVICES)
def test_each_downgrade_undoes_its_upgrade(empty_database, service):
    url = empty_database(service)
    cfg = alembic_config(service, url)
    script = ScriptDirectory.from_config(cfg)
    # base first; every prefix of this order is closed under dependencies (branches included)
    revisions = [r for r in reversed(list(script.walk_revisions()))]
    before = [schema(url)]
    for revision in revisions:
        command.upgrade(cfg, revision.revision)
        before.append(schema(url))
        assert before[-1] != before[-2], f"{revision.revision} changed nothing"
    for n, revision in reversed(list(enumerate(revisions))):
        command.downgrade(cfg, f"{revision.revision}@-1" if revision.down_revision else "base")
        assert schema(url) == before[n], f"downgrade of {revision.revision}"
