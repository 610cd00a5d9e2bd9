"""What an import reads of the stored rows, in a few queries however long the file, and the
one way it changes them: only the attributes that differ."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

_IN_CHUNK = 500  # values per `IN (...)`: stays under every driver's parameter limit


def fetch(
    session: Session, model: type, column: InstrumentedAttribute, values: Iterable[Any], *criteria: Any
) -> list:
    """Rows whose `column` is one of `values`, a few queries however many values."""
    wanted = sorted({v for v in values if v is not None})
    found: list = []
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.extend(session.scalars(select(model).where(column.in_(chunk), *criteria)))
    return found


def by_code(session: Session, model: type, codes: Iterable[str | None]) -> dict[str, Any]:
    return {obj.code: obj for obj in fetch(session, model, model.code, codes)}


def update_changed(obj: object, wanted: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
