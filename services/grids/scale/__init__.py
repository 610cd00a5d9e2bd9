"""A county of a given scale, written into the grids database in bulk (`scripts/load_county.py`).

`seed_demo` (the demo package) writes ~3,500 households through the ORM; a Quzhou-size
county (1,483 villages, 4,112 grids, 48,000 linked members, ~530,000 households, ~1.3 million
residents) would take an hour that way. This package builds the same kind of county in memory
(`building`), deterministically from `seed`, and writes it with PostgreSQL COPY (`loading`)
into the grids service's own tables (the models in `services/grids/models.py`), with explicit
ids and the sequences moved past them afterwards.

It returns a `County`: the snapshot that the other services' loaders replicate, exactly what they
would otherwise get from grids' look-ups (`subtree`, `links_snapshot`, `responsible_for_grid`):
places, member↔household links with their places, who answers for each grid, departments.
The loader script passes it on; no service reads another's tables.
"""

from __future__ import annotations

from services.grids.scale.building import build
from services.grids.scale.county import County
from services.grids.scale.loading import check, load
from services.grids.scale.presets import PRESETS, Scale

__all__ = ["PRESETS", "County", "Scale", "build", "check", "load"]
