"""The checks `make restore` makes before and after it writes (issue 11), on real databases:
a backup file that changed since the backup is refused before anything is written, a
restore whose tables do not come out as the manifest counted them fails and names the
tables, and the PostgreSQL programs are the ones of the server's own major version."""

import json
import subprocess

import pytest
from sqlalchemy import create_engine

from common.config import SERVICES
from common.storage import normalize_url
from scripts.backup import backup
from scripts.db_tools import BackupError, pg_program
from scripts.restore import restore


@pytest.fixture
def backed_up(sqlite_databases, tmp_path, monkeypatch):
    """Four migrated SQLite databases, backed up; (folder, urls)."""
    urls = {s: sqlite_databases(s) for s in SERVICES}
    for service, url in urls.items():
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", url)
    monkeypatch.setenv("WEB_SERVER_ADDRESS", "127.0.0.1:9")  # nothing answers there
    return backup(root=tmp_path / "backups"), urls


def test_a_changed_backup_file_is_refused_before_anything_is_written(backed_up, tmp_path, monkeypatch):
    folder, _ = backed_up
    for service in SERVICES:
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh' / service}.db")
    with (folder / "tasks.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\x00changed")
    with pytest.raises(BackupError, match="tasks.db is not the file the backup wrote"):
        restore(folder)  # grids comes first in the backup, and is not written either
    assert not (tmp_path / "fresh").exists()


def test_counts_that_differ_from_the_manifest_fail_the_restore(backed_up, tmp_path, monkeypatch):
    folder, _ = backed_up
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["services"]["grids"]["tables"]["people"] == 0
    manifest["services"]["grids"]["tables"]["people"] = 3  # as if three people went missing
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for service in ("grids", "notify"):
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh' / service}.db")
    with pytest.raises(BackupError, match="grids: row counts differ from the backup's in people$"):
        restore(folder, ["grids"])
    restored = restore(folder, ["notify"])["notify"]  # the untouched entry restores
    assert restored == manifest["services"]["notify"]["tables"] and "event_store" in restored


def test_pg_programs_match_the_server(pg_databases):
    engine = create_engine(normalize_url(pg_databases("notify")))
    with engine.connect() as conn:
        server = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
        for name in ("pg_dump", "pg_restore"):
            version = subprocess.run(
                [pg_program(name, conn), "--version"], capture_output=True, text=True
            ).stdout
            assert version.split()[-1].split(".")[0] == str(server), version
    engine.dispose()
