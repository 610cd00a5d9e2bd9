"""Phone and ID numbers at rest, on SQLite and PostgreSQL: the raw columns hold only
ciphertext, the ORM reads clear text, a phone is found by its blind index; the migrations
seal existing rows and open them again; rotation moves rows to the active key id; the
ledgers verify under both chain digests."""

import base64
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from common import crypto
from common.migrations import alembic_config
from common.scope import Actor as TasksActor
from common.storage import make_engine
from scripts import rotate_keys
from services.grids import models, queries
from services.grids.domain import Actor
from services.grids.visibility import load_reach
from services.tasks import models as tasks_models
from services.tasks.procedures import commands as procedures
from services.tasks.procedures import queries as ledger_queries
from services.tasks.taskflow import commands as taskflow
from tests.conftest import make_uow_factory

PHONE, OTHER_PHONE, ID_NUMBER = "13812345678", "13987654321", "330102199001011234"
K2 = base64.b64encode(b"\x02" * 16).decode()
K1 = base64.b64encode(b"\x01" * 16).decode()


def raw(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def execute(url: str, sql: str, **params) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def seed_people(uow) -> None:
    with uow() as u:
        s = u.session
        s.add_all(
            [
                models.OrgUnit(id=1, level="county", code="C1", name="县", path="/1/"),
                models.OrgUnit(id=2, parent_id=1, level="grid", code="G1", name="网格", path="/1/2/"),
            ]
        )
        s.flush()
        s.add(
            models.Person(
                id=1,
                code="P1",
                name="张三",
                phone=PHONE,
                id_number=ID_NUMBER,
                roles=["member"],
                org_unit_id=2,
            )
        )
        s.add(models.Person(id=2, code="P2", name="李四", phone=OTHER_PHONE, roles=["member"], org_unit_id=2))
        s.add(models.Household(id=1, code="H1", grid_id=2, address="一号", head_name="张三", phone=PHONE))
        s.flush()
        s.add(models.Resident(id=1, household_id=1, name="张三", phone=PHONE, id_number=ID_NUMBER))
        u.commit()


def sealed_cells(url: str) -> list[str]:
    cells = raw(url, "SELECT phone, id_number FROM people UNION ALL SELECT phone, id_number FROM residents")
    cells += raw(url, "SELECT phone, NULL FROM households")
    return [c for row in cells for c in row if c is not None]


@pytest.mark.parametrize("cipher", ["sm4", "aes-gcm"])
def test_raw_columns_hold_no_clear_phone_or_id_number(any_database, field_keys, cipher):
    field_keys(cipher=cipher)
    url = any_database("grids")
    uow = make_uow_factory(url, models)
    seed_people(uow)
    cells = sealed_cells(url)
    assert len(cells) == 6
    assert all(c.startswith(f"enc1:{cipher}:k1:") for c in cells), cells
    assert not any(PHONE in c or ID_NUMBER in c or "5678" in c for c in cells)
    assert raw(url, "SELECT phone_bidx FROM people WHERE id = 1") == [(crypto.blind_index(PHONE),)]
    with uow() as u:
        person = u.session.get(models.Person, 1)
        assert (person.phone, person.id_number) == (PHONE, ID_NUMBER)
        person.phone = "13600001111"  # a change re-seals and re-indexes
        u.commit()
    assert raw(url, "SELECT phone_bidx FROM people WHERE id = 1") == [(crypto.blind_index("13600001111"),)]
    assert "13600001111" not in raw(url, "SELECT phone FROM people WHERE id = 1")[0][0]


def test_search_by_phone_goes_through_the_blind_index(any_database, field_keys):
    uow = make_uow_factory(any_database("grids"), models)
    seed_people(uow)
    worker = Actor(9, frozenset({"grid_worker"}), ("/1/",))
    member = Actor(8, frozenset({"member"}), ("/1/",))
    with uow() as u:
        found, total = queries.people(
            u.session, load_reach(u.session, worker), None, None, "138 1234 5678", 1, 20
        )
        assert total == 1 and found[0].code == "P1"
        assert (
            queries.people(u.session, load_reach(u.session, worker), None, None, "李", 1, 20)[0][0].code
            == "P2"
        )
        # who may not see phones cannot find people by them either
        assert queries.people(u.session, load_reach(u.session, member), None, None, PHONE, 1, 20)[1] == 0


def test_grids_migration_seals_existing_rows_and_downgrade_opens_them(any_database, field_keys):
    url = any_database("grids")
    cfg = alembic_config("grids", url)
    command.downgrade(cfg, "0002")
    execute(
        url,
        "INSERT INTO org_units (id, level, code, name, path, created_at) VALUES (1, 'grid', 'G', 'g', '/1/', :t)",
        t=datetime.now(UTC),
    )
    execute(
        url,
        "INSERT INTO people (id, code, name, phone, id_number, roles, org_unit_id, active, created_at, failed_logins)"
        " VALUES (1, 'P1', '张三', :p, :i, '[\"member\"]', 1, :a, :t, 0)",
        p=PHONE,
        i=ID_NUMBER,
        a=True,
        t=datetime.now(UTC),
    )
    execute(
        url,
        "INSERT INTO households (id, code, grid_id, address, head_name, phone) VALUES (1, 'H1', 1, 'a', '张三', :p)",
        p=PHONE,
    )
    execute(
        url,
        "INSERT INTO residents (id, household_id, name, relation, phone, id_number) VALUES (1, 1, '张三', '户主', NULL, :i)",
        i=ID_NUMBER,
    )
    command.upgrade(cfg, "heads")
    cells = sealed_cells(url)
    assert len(cells) == 4 and all(c.startswith("enc1:sm4:k1:") for c in cells)
    assert raw(url, "SELECT phone_bidx FROM households") == [(crypto.blind_index(PHONE),)]
    assert raw(url, "SELECT phone_bidx FROM residents") == [(None,)]
    with make_uow_factory(url, models)() as u:
        assert u.session.get(models.Person, 1).id_number == ID_NUMBER
        assert u.session.get(models.Household, 1).phone == PHONE
    command.downgrade(cfg, "0002")
    assert raw(url, "SELECT phone, id_number FROM people") == [(PHONE, ID_NUMBER)]
    assert raw(url, "SELECT phone FROM households") == [(PHONE,)]


def test_fieldwork_migration_seals_reporter_phones_and_keys_limits_by_index(any_database, field_keys):
    url = any_database("tasks")
    cfg = alembic_config("tasks", url)
    command.downgrade(cfg, "fwcr1-1")
    now = datetime.now(UTC)
    execute(
        url,
        "INSERT INTO fw_matters (id, title, description, source, kind, level, status, org_path, month,"
        " reporter_phone, attachment_ids, escalated, auto_escalations, overdue_alerted, level_since, created_at)"
        " VALUES (1, 't', '', 'mailbox', 'text', 'grid', 'open', '/1/', '2026-12', :p, '[]', :f, 0, :f, :t, :t)",
        p=PHONE,
        f=False,
        t=now,
    )
    for i, (bucket, client) in enumerate(
        (("mailbox", PHONE), ("mailbox", "10.0.0.1"), ("rating", "10.0.0.1"))
    ):
        execute(
            url,
            "INSERT INTO fw_attempts (id, bucket, client, window_start, count) VALUES (:i, :b, :c, :t, 1)",
            i=i + 1,
            b=bucket,
            c=client,
            t=now,
        )
    command.upgrade(cfg, "heads")
    (sealed,) = raw(url, "SELECT reporter_phone FROM fw_matters")[0]
    assert sealed.startswith("enc1:sm4:k1:") and crypto.open_sealed(sealed) == PHONE
    clients = [c for (c,) in raw(url, "SELECT client FROM fw_attempts ORDER BY id")]
    assert clients == [crypto.blind_index(PHONE), "10.0.0.1", "10.0.0.1"]
    with make_uow_factory(url, tasks_models)() as u:
        from services.tasks.fieldwork.models import Matter

        assert u.session.get(Matter, 1).reporter_phone == PHONE
    command.downgrade(cfg, "fwcr1-1")
    assert raw(url, "SELECT reporter_phone FROM fw_matters") == [(PHONE,)]
    assert [c for (c,) in raw(url, "SELECT client FROM fw_attempts ORDER BY id")] == ["10.0.0.1", "10.0.0.1"]


def test_rotation_moves_rows_to_the_active_key_and_the_old_key_can_go(any_database, field_keys):
    url = any_database("grids")
    uow = make_uow_factory(url, models)
    seed_people(uow)  # under k1
    field_keys(spec=f"k2:{K2},k1:{K1}", active="k2")
    with uow() as u:  # k1 rows stay readable while k2 is active
        u.session.add(
            models.Person(id=3, code="P3", name="王五", phone="13700000000", roles=["member"], org_unit_id=2)
        )
        u.commit()
        assert u.session.get(models.Person, 1).phone == PHONE
    kids = {crypto.sealed_with(c)[1] for c in sealed_cells(url)}
    assert kids == {"k1", "k2"}
    assert rotate_keys.check("grids", url) == {"people": 3, "households": 1, "residents": 2}
    assert rotate_keys.rotate("grids", url) == {"people": 2, "households": 1, "residents": 1}
    assert {crypto.sealed_with(c) for c in sealed_cells(url)} == {("sm4", "k2")}
    assert rotate_keys.check("grids", url) == {"people": 0, "households": 0, "residents": 0}
    assert rotate_keys.rotate("grids", url) == {"people": 0, "households": 0, "residents": 0}  # idempotent
    field_keys(spec=f"k2:{K2}", active="k2")  # k1 removed
    with uow() as u:
        assert [p.phone for p in u.session.query(models.Person).order_by(models.Person.id)] == [
            PHONE,
            OTHER_PHONE,
            "13700000000",
        ]
        assert u.session.get(models.Resident, 1).id_number == ID_NUMBER


def test_ledgers_verify_under_both_digests(any_database, field_keys, monkeypatch):
    url = any_database("tasks")
    uow = make_uow_factory(url, tasks_models)
    admin = TasksActor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
    for alg in ("sha256", "sm3"):  # a chain begun under SHA-256 goes on under SM3
        field_keys(hash_alg=alg)
        with uow() as u:
            now = datetime.now(UTC)
            procedures.write_ledger(
                u.session, [procedures.ledger_row(now, admin, "step_completed", "/1/2/3/")]
            )
            row = taskflow.ledger_row(now, admin, "task_created", "/1/2/3/", None)
            taskflow.write_ledger(u.session, [row])
            u.commit()
    for table in ("pr_ledger", "tf_ledger"):
        rows = raw(url, f"SELECT hash_alg, prev_hash, hash FROM {table} ORDER BY chain_seq")
        assert [r[0] for r in rows] == ["sha256", "sm3"]
        assert rows[1][2] != crypto.chain_hash(rows[1][1], "x", "sha256")
    with uow() as u:
        report = ledger_queries.verify(u.session, admin, {})
        assert report["ok"] is True and report["rows"] == 4, report
    # the ledger is append-only: a DBA lifts the guard to forge the recorded algorithm
    lift = (
        "ALTER TABLE pr_ledger DISABLE TRIGGER pr_ledger_no_change" if url.startswith("postgresql") else None
    )
    execute(url, lift or "DROP TRIGGER pr_ledger_no_update")
    execute(url, "UPDATE pr_ledger SET hash_alg = 'sha256' WHERE hash_alg = 'sm3'")
    with uow() as u:
        report = ledger_queries.verify(u.session, admin, {})
        assert not report["ok"] and [b["reason"] for b in report["broken"]] == ["hash_mismatch"], report
