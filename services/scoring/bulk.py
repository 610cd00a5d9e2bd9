"""Reading and writing rows in bulk on either database: PostgreSQL gets its bare cursor and
`unnest` inserts (a county's month is hundreds of thousands of rows), SQLite plain upserts."""

from __future__ import annotations

import functools

from sqlalchemy import delete, tuple_
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(session):
    """The INSERT of the session's database, the one with ON CONFLICT."""
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def is_pg(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fetch_all(session, query) -> list[tuple]:
    """Rows of a big read; on PostgreSQL through the bare cursor, without building a Row per
    tuple (hundreds of thousands of them in a county's month)."""
    connection = session.connection()
    if not is_pg(session):
        return [tuple(row) for row in connection.execute(query)]
    # expanding IN (…) parameters become plain ones: the bare cursor knows nothing of them
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()
    finally:
        cursor.close()


@functools.cache
def _unnest_insert(model, columns: tuple, keys: tuple, upsert: bool, dialect) -> str:
    """INSERT … SELECT FROM unnest(one array per column) in key order (the primary key's
    index fills page after page), with ON CONFLICT … DO UPDATE when `upsert`; built once
    per shape, as `rescore` writes through it for every event."""

    def names(cols) -> str:
        return ", ".join(f'"{c}"' for c in cols)  # "index" is a reserved word

    arrays = ", ".join(f"%s::{model.__table__.c[c].type.compile(dialect)}[]" for c in columns)
    order = ", ".join(str(columns.index(k) + 1) for k in keys)
    sql = f"INSERT INTO {model.__tablename__} ({names(columns)}) SELECT * FROM unnest({arrays}) ORDER BY {order}"
    if upsert:  # else a plain insert, where no row can exist: no speculative insertion per row
        sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in keys)
        sql += f" ON CONFLICT ({names(keys)}) DO UPDATE SET {sets}"
    return sql


def write_rows(session, model, rows: list[dict], keys: list[str], upsert: bool) -> None:
    """Insert `rows` (dicts with the same columns) that have no stored row, or with `upsert`
    insert or update them by their `keys`: a month's rows on a first build, a handful on a
    repair."""
    if not rows:
        return
    columns = list(rows[0])
    if not is_pg(session):
        updates = [c for c in columns if c not in keys]
        for start in range(0, len(rows), 2000):
            stmt = dialect_insert(session)(model).values(rows[start : start + 2000])
            if upsert:
                stmt = stmt.on_conflict_do_update(
                    index_elements=keys, set_={c: stmt.excluded[c] for c in updates}
                )
            session.execute(stmt)
        return

    connection = session.connection()
    sql = _unnest_insert(model, tuple(columns), tuple(keys), upsert, connection.dialect)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), 20000):
            chunk = rows[start : start + 20000]
            cursor.execute(sql, [[r[c] for r in chunk] for c in columns])
    finally:
        cursor.close()


def correct(
    session, model, month: str, key: list[str], stale: list[tuple], added: list, changed: list
) -> int:
    """Delete a month's `stale` rows (by `key` values), insert the `added`, upsert the
    `changed`; returns how many rows that corrected."""
    columns = tuple_(*(model.__table__.c[c] for c in key))
    for start in range(0, len(stale), 5000):
        session.execute(delete(model).where(model.period == month, columns.in_(stale[start : start + 5000])))
    write_rows(session, model, added, ["period", *key], upsert=False)
    write_rows(session, model, changed, ["period", *key], upsert=True)
    return len(stale) + len(added) + len(changed)
