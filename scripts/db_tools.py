"""What `make backup` and `make restore` share: each service's database as a backend and a
location, row counts per table, and the PostgreSQL client programs that match the server.

pg_dump refuses a server newer than itself and pg_restore a dump newer than itself, so the
programs are picked by the server's major version (Debian keeps one set per version under
/usr/lib/postgresql/<major>/bin; the one on the PATH is used when it is new enough).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Connection, make_url


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done, or did not come out right."""


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore read it: no SQLAlchemy driver suffix."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_counts(conn: Connection) -> dict[str, int]:
    return {
        name: conn.scalar(select(func.count()).select_from(table(name)))
        for name in sorted(inspect(conn).get_table_names())
    }


def _major(program: str) -> int | None:
    out = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"(\d+)(\.\d+)?", out)
    return int(found.group(1)) if found else None


def pg_program(name: str, conn: Connection) -> str:
    """`pg_dump` or `pg_restore` for the server behind `conn`."""
    server = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    versioned = Path(f"/usr/lib/postgresql/{server}/bin/{name}")
    if versioned.exists():
        return str(versioned)
    on_path = shutil.which(name)
    if on_path and (_major(on_path) or 0) >= server:
        return on_path
    raise BackupError(
        f"{name} for PostgreSQL {server} not found (looked in {versioned.parent} and on the PATH); "
        f"install postgresql-client-{server}"
    )
