"""The tree sheet (组织架构): org units by code, parents before children; an import never
moves a unit or changes its level."""

from __future__ import annotations

from services.grids.domain import LEVEL_LABELS, Level, OrgRuleError, check_parent, child_path
from services.grids.importing.cells import parse_level
from services.grids.importing.lookups import by_code, update_changed
from services.grids.importing.sheet import Column, Importer, Row
from services.grids.models import OrgUnit


class TreeImport(Importer):
    kind = "tree"
    label = "组织架构"
    columns = (
        Column("code", "编码", max_len=32),
        Column("name", "名称", max_len=100),
        Column("level", "层级", parse=parse_level, hint="县(市、区)、乡镇(街道)、村(社区)、网格"),
        Column("parent_code", "上级编码", required=False, max_len=32, hint="县级留空"),
    )

    def validate(self) -> None:
        in_file = {row["code"]: row for row in self.rows if row["code"]}
        self.stored: dict[str, OrgUnit] = by_code(
            self.session, OrgUnit, [*in_file, *(row["parent_code"] for row in self.rows)]
        )
        for row in self.rows:
            code, level, parent_code = row["code"], row["level"], row["parent_code"]
            parent_level: Level | None = None
            if parent_code is not None:
                if parent_code == code:
                    self.error(row, "parent_code", "上级编码不能是自身")
                    continue
                parent = self.stored.get(parent_code)
                if code not in self.stored and parent is not None:  # a new unit under a stored one
                    if not self.in_scope(row, "parent_code", parent.path, f"上级组织“{parent_code}”"):
                        continue
                if parent_code in in_file:
                    parent_level = in_file[parent_code]["level"]  # a new parent: its own row is checked
                elif parent is not None:
                    parent_level = Level(parent.level)
                else:
                    self.error(row, "parent_code", f"上级编码“{parent_code}”不存在")
                    continue
                if parent_level is None:
                    continue  # the parent's own row is wrong and says so
            elif code not in self.stored and not self.in_scope(row, "parent_code", None, "新的县级组织"):
                continue
            if level is None:
                continue
            if code in self.stored and not self.in_scope(
                row, "code", self.stored[code].path, f"组织“{code}”"
            ):
                continue
            try:
                check_parent(level, parent_level)
            except OrgRuleError as exc:
                self.error(row, "parent_code", exc.message)
                continue
            if code in self.stored:
                self._check_stored(row, self.stored[code])

    def _check_stored(self, row: Row, unit: OrgUnit) -> None:
        if unit.level != row["level"].value:
            was = LEVEL_LABELS[Level(unit.level)]
            self.error(row, "level", f"组织“{unit.code}”已存在,层级为{was},导入不能修改层级")
            return
        parent = self.stored.get(row["parent_code"]) if row["parent_code"] else None
        if unit.parent_id != (parent.id if parent else None):
            self.error(row, "parent_code", f"组织“{unit.code}”已存在且上级不同,导入不能调整上级")

    def apply(self) -> None:
        units = dict(self.stored)
        for level in Level:  # county first, so every parent has its id and path in time
            new: list[tuple[OrgUnit, OrgUnit | None]] = []
            for row in self.rows:
                if row["level"] != level:
                    continue
                if row["code"] in self.stored:
                    unit = self.stored[row["code"]]
                    if self.count(update_changed(unit, {"name": row["name"]})):
                        data = {"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level}
                        self.emit(
                            "org_unit.updated", data, subject=f"org_units/{unit.id}", org_path=unit.path
                        )
                    continue
                parent = units[row["parent_code"]] if row["parent_code"] else None
                unit = OrgUnit(
                    code=row["code"],
                    name=row["name"],
                    level=level.value,
                    parent_id=parent.id if parent else None,
                    path="",
                )
                new.append((unit, parent))
            self.session.add_all(unit for unit, _ in new)
            self.session.flush()  # ids, which the paths are made of
            for unit, parent in new:
                unit.path = child_path(parent.path if parent else None, unit.id)
                units[unit.code] = unit
                self.emit(
                    "org_unit.created",
                    {
                        "id": unit.id,
                        "code": unit.code,
                        "name": unit.name,
                        "level": unit.level,
                        "parent_id": unit.parent_id,
                        "path": unit.path,
                    },
                    subject=f"org_units/{unit.id}",
                    org_path=unit.path,
                )
            self.created += len(new)
