"""`make restore`: a backup made by `make backup` back into the services' databases.

The targets are the services' `<SERVICE>_DATABASE_URL` (or the SQLite files under var/),
so restoring into fresh databases means pointing those at them first. PostgreSQL goes
through `pg_restore --clean --if-exists` in one transaction; SQLite is written back with
its backup API. Only with the platform stopped: a service writing during a restore would
mix old and new rows, so the restore refuses while the gateway answers /healthz at
WEB_SERVER_ADDRESS (`--force` when the services are stopped but something else answers).
Afterwards every table's row count must equal the manifest's, or the restore fails.

    python -m scripts.restore [var/backups/<timestamp>] [service ...] [--force]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from sqlalchemy import create_engine

from common.config import VAR_DIR, database_url, env
from common.storage import normalize_url
from scripts.db_tools import BackupError, backend, file_sha256, libpq_url, pg_program, row_counts, sqlite_path


def platform_address() -> str:
    return env("WEB_SERVER_ADDRESS", "127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")


def platform_answers() -> bool:
    try:
        requests.get(f"http://{platform_address()}/healthz", timeout=1)
        return True
    except requests.RequestException:
        return False


def latest(root: Path | None = None) -> Path:
    found = sorted((root or VAR_DIR / "backups").glob("*/manifest.json"))
    if not found:
        raise BackupError(f"no backup under {root or VAR_DIR / 'backups'}")
    return found[-1].parent


def _into(url: str, file: Path, kind: str) -> dict[str, int]:
    if backend(url) != kind:
        raise BackupError(f"a {kind} backup cannot go into {backend(url)}")
    engine = create_engine(normalize_url(url))
    try:
        if kind == "postgresql":
            with engine.connect() as conn:
                program = pg_program("pg_restore", conn)
            args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
            done = subprocess.run(
                [program, *args, "-d", libpq_url(url), str(file)], capture_output=True, text=True, check=False
            )
            if done.returncode:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        else:
            target = sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            source, dest = sqlite3.connect(file), sqlite3.connect(target)
            try:
                source.backup(dest)  # replaces every page of the target, its WAL included
            finally:
                source.close()
                dest.close()
        with engine.connect() as conn:
            return row_counts(conn)
    finally:
        engine.dispose()


def restore(folder: Path, services=None, force: bool = False) -> dict:
    """Restore `services` (all in the manifest by default); each one's row counts."""
    manifest = json.loads((folder / "manifest.json").read_text())
    if not force and platform_answers():
        raise BackupError(f"the platform answers at {platform_address()}: stop it before restoring")
    services = services or list(manifest["services"])
    if set(services) - set(manifest["services"]):
        raise BackupError(f"the backup holds {', '.join(manifest['services'])} only")
    for service in services:  # every file checked before any database is touched
        file = folder / manifest["services"][service]["file"]
        if file_sha256(file) != manifest["services"][service]["sha256"]:
            raise BackupError(f"{file} is not the file the backup wrote (sha256 differs)")
    restored = {}
    for service in services:
        entry = manifest["services"][service]
        counts = _into(database_url(service), folder / entry["file"], entry["backend"])
        if counts != entry["tables"]:
            differ = sorted(
                t for t in set(counts) | set(entry["tables"]) if counts.get(t) != entry["tables"].get(t)
            )
            raise BackupError(f"{service}: row counts differ from the backup's in {', '.join(differ)}")
        restored[service] = counts
    return restored


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make restore", description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="default: the latest under var/backups")
    parser.add_argument("services", nargs="*", metavar="service", help="default: every one in the backup")
    parser.add_argument("--force", action="store_true", help="restore even though something answers /healthz")
    args = parser.parse_args(argv)
    try:
        folder = args.folder or latest()
        restored = restore(folder, args.services, force=args.force)
    except BackupError as exc:
        print(f"restore: {exc}", file=sys.stderr)
        return 1
    for service, counts in restored.items():
        print(f"restore: {service} {sum(counts.values())} rows in {len(counts)} tables, as in the backup")
    print(f"restore: from {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
