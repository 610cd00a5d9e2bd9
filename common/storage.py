"""Tables every service database carries, the engine factory, and the two read helpers
every service's queries use (org-scope filter, paging).

Each service declares its own `Base` and mixes these in, so the outbox and the
processed-event log live in the service's own database and migrations.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    Select,
    String,
    create_engine,
    event,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BigIntPK = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator):
    """A moment, stored in UTC on every backend and read back as an aware UTC datetime.
    SQLite keeps no offset: without this a time given as +08:00 (a deadline typed in China,
    a photo's EXIF time) was stored as its wall-clock reading and read back 8 hours late."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value  # naive: already UTC by the platform's convention

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class OutboxMixin:
    """An event written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200), default="")
    org_path: Mapped[str] = mapped_column(String(200), default="")
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (
            Index("ix_outbox_unpublished", "published_at", "seq"),
            Index("ix_outbox_time", "time"),
        )


class ProcessedEventMixin:
    """Event ids a handler has applied: a redelivered event is applied once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handler: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())


def normalize_url(url: str) -> str:
    """SQLAlchemy 2.1 maps `postgresql://` to psycopg 3, which blocks under eventlet;
    psycopg2 cooperates, so plain PostgreSQL URLs get that driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


PING_AFTER_IDLE_S = 1.0


def make_engine(url: str, pool_size: int = 10) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size)

    # A connection that sat in the pool may have been cut (a database restart, a proxy's idle
    # timeout), so it is pinged before use; one checked in a moment ago is not — under load
    # that saves a round trip per request. A connection cut while busy fails its request,
    # and SQLAlchemy then recycles every connection older than the failure.
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: object, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: object) -> None:
        if dbapi_conn.closed:  # closed by its borrower (a bulk loader's raw connection)
            raise DisconnectionError("the pooled connection was closed")
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the pooled connection was cut") from exc  # the pool reconnects

    return engine


# -- reads ------------------------------------------------------------------------------


def in_scope(path_column: Any, paths: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the row's org path lies under one of `paths` (false when there are none)."""
    if not paths:
        return false()
    return or_(*(path_column.startswith(p, autoescape=True) for p in paths))


def contains_text(columns: Iterable[Any], text: str) -> ColumnElement[bool]:
    """SQL: one of `columns` holds `text` literally. A search for 100% or a_b means those
    characters: LIKE's wildcards (and the escape character) are escaped, on both databases."""
    return or_(*(column.contains(text, autoescape=True) for column in columns))


def paginate(session: Session, query: Select, page: int, per_page: int) -> tuple[list, int]:
    """One page of `query`'s entities and the total count."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), int(total or 0)


# -- bulk loading (scripts/load_county.py): PostgreSQL COPY -------------------------------


def raw_connection(engine: Engine) -> Any:
    """The driver's own connection (psycopg2), for COPY; the caller commits and closes it."""
    return engine.raw_connection().driver_connection


def _copy_cell(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(
    cursor: Any, table: str, columns: list[str], rows: Iterable[tuple], chunk: int = 100_000
) -> int:
    """COPY `rows` (tuples in the order of `columns`) into `table` in chunks; returns the count.
    psycopg2 refuses COPY while eventlet's wait callback is installed: it is lifted meanwhile."""
    import io

    import psycopg2.extensions

    callback = psycopg2.extensions.get_wait_callback()
    if callback is not None:
        psycopg2.extensions.set_wait_callback(None)
    try:
        return _copy_chunks(cursor, table, columns, rows, chunk, io)
    finally:
        if callback is not None:
            psycopg2.extensions.set_wait_callback(callback)


def _copy_chunks(
    cursor: Any, table: str, columns: list[str], rows: Iterable[tuple], chunk: int, io: Any
) -> int:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    buffer, pending, total = io.StringIO(), 0, 0
    for row in rows:
        buffer.write("\t".join(map(_copy_cell, row)))
        buffer.write("\n")
        pending += 1
        if pending >= chunk:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            total += pending
            buffer, pending = io.StringIO(), 0
    if pending:
        buffer.seek(0)
        cursor.copy_expert(sql, buffer)
        total += pending
    return total
