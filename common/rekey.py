"""Rewrite sealed columns in batches, on raw rows (no ORM types): the migrations that seal
existing rows (and open them again on downgrade), and key rotation.

    reseal(conn, "people", ("phone", "id_number"), {"phone": "phone_bidx"}, mode)

mode "seal": clear or sealed values end up sealed under the active key id and cipher, and
the blind indexes are recomputed (so this is also the rotation); "open": back to clear text.
A row already as wanted is not written again, so a rotation that stops half-way is resumed
by running it again.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, column, select, table, update

from common import crypto

BATCH = 1000


def _wanted(value: str | None, mode: str, active: tuple[str, str]) -> str | None:
    if value is None:
        return None
    sealed = crypto.is_sealed(value)
    if mode == "open":
        return crypto.open_sealed(value) if sealed else value
    if sealed and crypto.sealed_with(value) == active:
        return value
    return crypto.seal(crypto.open_sealed(value) if sealed else value)


def _clear(value: str | None) -> str | None:
    return crypto.open_sealed(value) if crypto.is_sealed(value) else value


def reseal(
    conn: Connection, name: str, columns: tuple[str, ...], indexes: dict[str, str], mode: str = "seal"
) -> int:
    """Rewrite `columns` of table `name` (keyed by `id`) batch by batch; the rows changed."""
    if mode not in ("seal", "open"):
        raise ValueError(mode)
    index_cols = tuple(indexes.values()) if mode == "seal" else ()
    t = table(name, column("id"), *(column(c) for c in columns + index_cols))
    changed, last = 0, None
    while True:
        query = select(t).order_by(t.c.id).limit(BATCH)
        if last is not None:
            query = query.where(t.c.id > last)
        rows = conn.execute(query).mappings().all()
        if not rows:
            return changed
        active = (crypto.cipher_name(), crypto.keyring().active)  # keys only once there are rows
        last = rows[-1]["id"]
        updates = []
        for row in rows:
            new = {c: _wanted(row[c], mode, active) for c in columns}
            for source, index in indexes.items() if mode == "seal" else ():
                new[index] = crypto.blind_index(_clear(row[source]))
            if any(new[c] != row[c] for c in new):
                updates.append({"_id": row["id"], **{f"_{c}": v for c, v in new.items()}})
        if updates:
            keys = [c for c in columns + index_cols]
            stmt = update(t).where(t.c.id == bindparam("_id")).values({c: bindparam(f"_{c}") for c in keys})
            conn.execute(stmt, updates)
            changed += len(updates)


def reseal_all(
    conn: Connection, spec: dict[str, tuple[tuple[str, ...], dict[str, str]]], mode: str = "seal"
) -> dict:
    """`reseal` each table of a service's SEALED_COLUMNS; {table: rows changed}."""
    return {name: reseal(conn, name, cols, idx, mode) for name, (cols, idx) in spec.items()}


def stale(conn: Connection, spec: dict[str, tuple[tuple[str, ...], dict[str, str]]]) -> dict:
    """{table: values not sealed under the active key id and cipher}: zero everywhere means
    the older keys may leave GOV_FIELD_KEYS."""
    active = (crypto.cipher_name(), crypto.keyring().active)
    counts = {}
    for name, (columns, _) in spec.items():
        t = table(name, *(column(c) for c in columns))
        counts[name] = sum(
            1
            for row in conn.execute(select(t)).yield_per(BATCH)
            for value in row
            if value is not None and not (crypto.is_sealed(value) and crypto.sealed_with(value) == active)
        )
    return counts
