"""`make backup` and `make restore` on real data (issue 11), on PostgreSQL and on SQLite: the
platform builds its data through the gateway (the demo county, a task reviewed and dispatched,
a village procedure begun), the backup runs while the services are up, the restore refuses
while the gateway answers and, once it is stopped, fills fresh databases whose row counts
equal the manifest's table by table and whose ledger chains still verify (and still catch
a forged row); a second restore over the forged databases makes them whole again."""

import json
import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from common.config import SERVICES
from common.scope import Actor
from common.storage import normalize_url
from scripts.db_tools import row_counts
from scripts.local_platform import ROOT, create_pg_database, drop_pg_database
from services.tasks.procedures import queries
from tests.e2e.test_taskflow import _api, _ok
from tests.photos import PDF

COUNTY_VIEW = Actor(0, "审计", frozenset({"county_admin"}), None, None, ("/",))


def _run(module: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    """A make target's own command: `python -m scripts.backup …` with the given environment."""
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _build_data(platform) -> int:
    """A task through review to a village and a procedure begun for it; the chained rows
    the county admin sees."""
    admin, leader, secretary, cadre = (_api(platform, u) for u in ("admin", "township", "secretary", "cadre"))
    _ok(admin.post("/catalogue/seed-default"))
    _ok(admin.post("/procedure-templates/seed-default"))
    village = secretary.me()["org_unit_id"]
    task = _ok(
        leader.post(
            "/tasks", {"title": "闲置厂房改建共富工坊", "matter_code": "DJ004", "target_ids": [village]}
        ),
        201,
    )
    _ok(leader.post(f"/tasks/{task['id']}/approve"))
    decision = {
        "meeting_date": "2026-03-01",
        "attendees": ["镇党委书记"],
        "decision": "同意",
        "minutes": [leader.upload(PDF, "会议纪要.pdf", "application/pdf")],
    }
    _ok(leader.post(f"/tasks/{task['id']}/decision", decision), 201)
    _ok(leader.post(f"/tasks/{task['id']}/dispatch"))
    assignment = next(a for a in _ok(secretary.get("/assignments"))["items"] if a["task_id"] == task["id"])
    _ok(secretary.post(f"/assignments/{assignment['id']}/claim"))
    proc = _ok(
        secretary.post("/procedures", {"template_code": "WYLGK", "assignment_id": assignment["id"]}), 201
    )
    proposals = {
        "proposals": [{"source": "resident", "name": "村民甲", "content": "改建工坊"}],
        "summary": "1 条",
    }
    _ok(cadre.post(f"/procedures/{proc['id']}/steps/0/complete", {"evidence": proposals}))
    report = _ok(admin.get("/ledger-chain/verify"))  # the whole county: every chain
    assert report["ok"] is True and report["rows"] >= 6, report
    return report["rows"]


def _wait_for_events(url: str, seconds: float = 30) -> None:
    """Until notify has stored the events of the flow (they travel over the bus)."""
    engine = create_engine(normalize_url(url))
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.scalar(text("SELECT count(*) FROM event_store WHERE type LIKE '%procedure%'")):
                    return
            time.sleep(0.5)
        raise AssertionError("notify stored no procedure event in time")
    finally:
        engine.dispose()


def _written(urls: dict) -> dict:
    """Each database's row counts per table ({} when it holds no table, or is no file yet)."""
    counts = {}
    for service, url in urls.items():
        if url.startswith("sqlite") and not os.path.exists(url.split("sqlite:///", 1)[1]):
            counts[service] = {}
            continue
        engine = create_engine(normalize_url(url))
        with engine.connect() as conn:
            counts[service] = row_counts(conn)
        engine.dispose()
    return counts


def _fresh_databases(backend: str, tmp_path) -> tuple[dict, list]:
    if backend == "sqlite":
        return {s: f"sqlite:///{tmp_path / 'restored' / (s + '.db')}" for s in SERVICES}, []
    made = {s: create_pg_database(s, "gov_test_restore", migrate=False) for s in SERVICES}
    return {s: url for s, (_, url) in made.items()}, [name for name, _ in made.values()]


def test_backup_then_restore_into_fresh_databases(platform, tmp_path):
    chained = _build_data(platform)
    env = platform.env
    urls = {s: env[f"{s.upper()}_DATABASE_URL"] for s in SERVICES}
    backend = "sqlite" if urls["grids"].startswith("sqlite") else "postgresql"
    _wait_for_events(urls["notify"])

    # online: the services keep running while their databases are copied
    done = _run("scripts.backup", "--into", str(tmp_path / "backups"), env=env)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "backups" / os.listdir(tmp_path / "backups")[0]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["services"]) == set(SERVICES)
    suffix = ".dump" if backend == "postgresql" else ".db"
    assert {e["file"] for e in manifest["services"].values()} == {s + suffix for s in SERVICES}
    tables = {s: e["tables"] for s, e in manifest["services"].items()}
    assert tables["grids"]["households"] > 3000 and tables["grids"]["links"] > 0
    ledger_rows = tables["tasks"]["tf_ledger"] + tables["tasks"]["pr_ledger"]
    assert ledger_rows >= chained
    assert tables["tasks"]["pr_procedures"] == 1 and tables["notify"]["event_store"] > 0

    fresh, pg_names = _fresh_databases(backend, tmp_path)
    restore_env = {**env, **{f"{s.upper()}_DATABASE_URL": url for s, url in fresh.items()}}
    try:
        refused = _run("scripts.restore", str(folder), env=restore_env)
        assert refused.returncode == 1 and "stop it before restoring" in refused.stderr, refused.stderr
        assert _written(fresh) == {s: {} for s in SERVICES}  # nothing was written

        platform.stop_all()
        done = _run("scripts.restore", str(folder), env=restore_env)
        assert done.returncode == 0, done.stderr
        assert _written(fresh) == tables

        engine = create_engine(normalize_url(fresh["tasks"]))
        with Session(engine) as session:
            report = queries.verify(session, COUNTY_VIEW, {})
            assert report["ok"] is True and report["rows"] == ledger_rows, report
            lift = (  # the ledger is append-only: a DBA lifts the guard to forge a row
                "ALTER TABLE pr_ledger DISABLE TRIGGER pr_ledger_no_change"
                if engine.dialect.name == "postgresql"
                else "DROP TRIGGER pr_ledger_no_update"
            )
            session.execute(text(lift))
            forged = session.execute(
                text("UPDATE pr_ledger SET actor_name = 'forged' WHERE id = (SELECT max(id) FROM pr_ledger)")
            )
            assert forged.rowcount == 1
            session.commit()
            assert queries.verify(session, COUNTY_VIEW, {})["first_broken"]["reason"] == "content_mismatch"
        engine.dispose()

        # restoring again over the damaged databases brings back the backup's rows
        done = _run("scripts.restore", str(folder), env=restore_env)
        assert done.returncode == 0, done.stderr
        assert _written(fresh) == tables
        engine = create_engine(normalize_url(fresh["tasks"]))
        with Session(engine) as session:
            assert queries.verify(session, COUNTY_VIEW, {})["ok"] is True
        engine.dispose()
    finally:
        for name in pg_names:
            drop_pg_database(name)
