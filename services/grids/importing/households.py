"""The households sheet (户): each household in its grid; a move is checked against, and
announced to, the grid it leaves too."""

from __future__ import annotations

from services.grids.domain import LEVEL_LABELS, Level
from services.grids.importing.cells import parse_phone
from services.grids.importing.lookups import by_code, update_changed
from services.grids.importing.sheet import Column, Importer
from services.grids.models import Household, OrgUnit


class HouseholdsImport(Importer):
    kind = "households"
    label = "户"
    columns = (
        Column("code", "户编号", max_len=32),
        Column("grid_code", "网格编码", max_len=32),
        Column("address", "地址", max_len=200),
        Column("head_name", "户主", max_len=50),
        Column("phone", "联系电话", required=False, parse=parse_phone),
    )
    attr_fields = {"grid_id": "grid_code"}

    def validate(self) -> None:
        self.grids: dict[str, OrgUnit] = by_code(self.session, OrgUnit, (r["grid_code"] for r in self.rows))
        self.stored: dict[str, Household] = by_code(self.session, Household, (r["code"] for r in self.rows))
        for row in self.rows:
            code = row["grid_code"]
            if code is None:
                continue
            grid = self.grids.get(code)
            if grid is None:
                self.error(row, "grid_code", f"网格编码“{code}”不存在")
            elif grid.level != Level.grid.value:
                self.error(row, "grid_code", f"“{code}”是{LEVEL_LABELS[Level(grid.level)]},户只能落在网格")
            else:
                self.in_scope(row, "grid_code", grid.path, f"网格“{code}”")
            stored = self.stored.get(row["code"])
            if stored is not None:  # a move: the grid it leaves must be in scope too
                self.in_scope(row, "code", self.places.unit(stored.grid_id), f"户“{stored.code}”现所在网格")

    def apply(self) -> None:
        new: list[Household] = []
        paths = {grid.id: grid.path for grid in self.grids.values()}
        for row in self.rows:
            values = {
                "grid_id": self.grids[row["grid_code"]].id,
                "address": row["address"],
                "head_name": row["head_name"],
                "phone": row["phone"],
            }
            household = self.stored.get(row["code"])
            if household is None:
                new.append(Household(code=row["code"], **values))
                continue
            old_grid_id = household.grid_id
            if self.count(update_changed(household, self.upsert_fields(values))):
                if household.grid_id != old_grid_id:  # a move touches the grid it leaves too
                    paths.setdefault(old_grid_id, self.session.get(OrgUnit, old_grid_id).path)
                    self.emit(
                        "household.moved",
                        {"id": household.id, "code": household.code, "from_grid_id": old_grid_id},
                        subject=f"households/{household.id}",
                        org_path=paths[old_grid_id],
                    )
                self.emit(
                    "household.updated",
                    {"id": household.id, "code": household.code, "grid_id": household.grid_id},
                    subject=f"households/{household.id}",
                    org_path=paths[household.grid_id],
                )
        self.session.add_all(new)
        self.session.flush()
        for household in new:
            self.emit(
                "household.created",
                {
                    "id": household.id,
                    "code": household.code,
                    "grid_id": household.grid_id,
                    "address": household.address,
                    "head_name": household.head_name,
                },
                subject=f"households/{household.id}",
                org_path=paths[household.grid_id],
            )
        self.created += len(new)
