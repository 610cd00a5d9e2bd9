"""Places (org units) as taskflow keeps them: fetched from grids through the `Org` look-up and
stored in `tf_places`, so later scope checks are prefix tests on stored paths."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import DomainError
from services.tasks.taskflow.commands.records import Org
from services.tasks.taskflow.models import Place


def _store_places(session, units: list[dict]) -> dict[int, Place]:
    known = {
        p.id: p for p in session.scalars(select(Place).where(Place.id.in_([u["id"] for u in units]))) if units
    }
    for unit in units:
        if unit["id"] not in known:
            place = Place(
                id=unit["id"],
                level=unit["level"],
                name=unit["name"],
                code=unit.get("code", ""),
                path=unit["path"],
                parent_id=unit.get("parent_id"),
            )
            session.add(place)
            known[place.id] = place
    return known


def places(session, org: Org, ids: list[int]) -> dict[int, Place]:
    """The places for `ids`, fetched from grids (in one call) only when not yet stored."""
    ids = list(dict.fromkeys(ids))
    found = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(_store_places(session, org.units(missing)))
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise DomainError(
            "validation_failed", fields={"target_ids": [f"组织不存在:{', '.join(map(str, unknown))}"]}
        )
    return found


def villages_under(session, org: Org, unit_id: int) -> list[Place]:
    units = org.subtree(unit_id)
    stored = _store_places(session, units)
    return [stored[u["id"]] for u in units if u["level"] == "village"]


def village_path(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:3]) + "/"
