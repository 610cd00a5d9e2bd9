"""The replicas fieldwork and taskflow keep of grids' data, as the snapshot sync would write them."""

from __future__ import annotations

from datetime import datetime

from common.storage import copy_rows
from services.tasks.fieldwork.models import GridContact, MemberLink
from services.tasks.taskflow.models import Place


def write_replicas(cur, county, now: datetime) -> None:
    copy_rows(
        cur,
        Place.__tablename__,
        ["id", "level", "name", "code", "path", "parent_id"],
        ((u["id"], u["level"], u["name"], u["code"], u["path"], u["parent_id"]) for u in county.units),
    )

    def link_rows():
        for link_id, member, household, grid in county.member_links:
            ids = county.ids(grid)
            yield (
                link_id,
                member,
                household,
                grid,
                ids["village_id"],
                ids["township_id"],
                county.path[grid],
                True,
                now,
            )

    copy_rows(
        cur,
        MemberLink.__tablename__,
        [
            "link_id",
            "member_id",
            "household_id",
            "grid_id",
            "village_id",
            "township_id",
            "org_path",
            "active",
            "synced_at",
        ],
        link_rows(),
    )
    copy_rows(
        cur,
        GridContact.__tablename__,
        [
            "grid_id",
            "village_id",
            "org_path",
            "grid_workers",
            "cadres",
            "village_secretaries",
            "refreshed_at",
        ],
        (
            (
                g,
                county.parent[g],
                county.path[g],
                county.grid_workers[g],
                county.cadres_of_grid[g],
                county.secretaries[county.parent[g]],
                now,
            )
            for g in county.grids
        ),
    )
