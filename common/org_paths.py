"""Org paths, the platform's address of a place: `/county/township/village/grid/`, each an
org unit's id (`/1/5/23/77/`). A scope check is a prefix test on them."""

from __future__ import annotations

LEVEL_KEYS = ("county_id", "township_id", "village_id", "grid_id")


def path_ids(path: str | None) -> list[int]:
    """`/1/5/23/77/` -> [1, 5, 23, 77]: county, township, village, grid."""
    return [int(p) for p in (path or "").strip("/").split("/") if p]


def ids_of(path: str | None) -> dict[str, int | None]:
    """The ids up the tree in a path, keyed county_id … grid_id (None below where it stops)."""
    ids = path_ids(path)
    return {key: (ids[i] if i < len(ids) else None) for i, key in enumerate(LEVEL_KEYS)}


def place_of(path: str | None) -> dict[str, int | None]:
    """The township, village and grid a path runs through."""
    ids = ids_of(path)
    return {key: ids[key] for key in LEVEL_KEYS[1:]}


def county_of(path: str) -> int:
    return path_ids(path)[0]
