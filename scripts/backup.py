"""`make backup`: every service's database into var/backups/<timestamp>/, with a manifest.

Each database comes from the service's `<SERVICE>_DATABASE_URL` (the SQLite file under
var/ when unset), as the services themselves find it. PostgreSQL goes through
`pg_dump -Fc` into `<service>.dump`; the row counts in the manifest are read in the very
snapshot pg_dump copies (pg_export_snapshot), so they describe the dump, not a later
moment. SQLite goes through its online backup API into `<service>.db`, safe while the
services write, and the counts are read from the copy.

    python -m scripts.backup [service ...] [--into DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from common.config import SERVICES, VAR_DIR, database_url
from common.storage import normalize_url
from scripts.db_tools import BackupError, backend, file_sha256, libpq_url, pg_program, row_counts, sqlite_path


def _dump_postgresql(url: str, target: Path) -> dict[str, int]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            counts = row_counts(conn)
            # the snapshot lives as long as this transaction: pg_dump runs inside it
            done = subprocess.run(
                [
                    pg_program("pg_dump", conn),
                    "-Fc",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(target),
                    libpq_url(url),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            return counts
    finally:
        engine.dispose()


def _copy_sqlite(url: str, target: Path) -> dict[str, int]:
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    source, copy = sqlite3.connect(source_path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return row_counts(conn)
    finally:
        engine.dispose()


def backup(services=SERVICES, root: Path | None = None) -> Path:
    """Back up `services` from their configured databases; the folder it made."""
    folder = (root or VAR_DIR / "backups") / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(parents=True)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "services": {}}
    try:
        for service in services:
            url = database_url(service)
            kind = backend(url)
            target = folder / (service + (".dump" if kind == "postgresql" else ".db"))
            counts = _dump_postgresql(url, target) if kind == "postgresql" else _copy_sqlite(url, target)
            manifest["services"][service] = {
                "backend": kind,
                "file": target.name,
                "sha256": file_sha256(target),
                "tables": counts,
            }
    except BaseException:
        shutil.rmtree(folder)  # half a backup must not pass for the latest one
        raise
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make backup", description=__doc__.split("\n")[0])
    parser.add_argument("services", nargs="*", metavar="service", help="default: all four")
    parser.add_argument("--into", type=Path, help="parent folder (default var/backups)")
    args = parser.parse_args(argv)
    if set(args.services) - set(SERVICES):
        parser.error(f"services are {', '.join(SERVICES)}")
    try:
        folder = backup(args.services or SERVICES, args.into)
    except BackupError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    manifest = json.loads((folder / "manifest.json").read_text())
    for service, entry in manifest["services"].items():
        print(
            f"backup: {service} ({entry['backend']}) {sum(entry['tables'].values())} rows -> {entry['file']}"
        )
    print(f"backup: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
