"""The snapshot of a loaded county that the other services' loaders replicate."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.grids.scale.presets import Scale


@dataclass
class County:
    """What the other services replicate from grids, as their look-ups would return it."""

    scale: Scale
    county_id: int = 1
    units: list[dict] = field(default_factory=list)  # id, parent_id, level, code, name, path
    townships: list[int] = field(default_factory=list)
    villages: list[int] = field(default_factory=list)
    grids: list[int] = field(default_factory=list)
    path: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    # (link_id, member_id, household_id, grid_id)
    member_links: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (link_id, cadre_id, grid_id) and (link_id, team_id, village_id)
    cadre_links: list[tuple[int, int, int]] = field(default_factory=list)
    team_links: list[tuple[int, int, int]] = field(default_factory=list)
    grid_workers: dict[int, list[int]] = field(default_factory=dict)
    secretaries: dict[int, list[int]] = field(default_factory=dict)
    cadres_of_grid: dict[int, list[int]] = field(default_factory=dict)
    township_leaders: dict[int, int] = field(default_factory=dict)
    departments: list[dict] = field(default_factory=list)  # id, code, name, org_unit_id
    department_staff: dict[int, list[int]] = field(default_factory=dict)
    households_of_grid: dict[int, list[int]] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)  # demo username -> person id
    counts: dict[str, int] = field(default_factory=dict)

    def ids(self, unit_id: int) -> dict:
        parts = [int(p) for p in self.path[unit_id].strip("/").split("/")]
        keys = ("county_id", "township_id", "village_id", "grid_id")
        return {k: (parts[i] if i < len(parts) else None) for i, k in enumerate(keys)}
