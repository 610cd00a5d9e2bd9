"""Bulk import of the org from .xlsx / .csv files.

    report = run_import(uow, "people", "人员.xlsx", content)   # ImportUnreadable / ImportInvalid
    uow.commit()

Four kinds, one sheet each, Chinese headers (the English field names work too):
tree (组织架构), people (人员), households (户) and links (联系关系).

Every row is checked before anything is written; one bad row means nothing is written
and the caller gets every error with its row number. Rows are upserted by natural key
(code; for links the kind-source-target triple), so re-importing a file changes nothing
and emits nothing. Imports never move org units, change their level, or end links.
"""

from __future__ import annotations

import abc
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any, ClassVar

from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from common import uploads, xlsx
from common.db import UnitOfWork
from common.errors import DomainError
from common.events import DomainEvent
from services.grids.domain import (
    LEVEL_LABELS,
    LINK_LABELS,
    ROLE_LABELS,
    Level,
    LinkKind,
    OrgRuleError,
    Role,
    check_parent,
    check_role_place,
    child_path,
    valid_id_number,
    valid_phone,
)
from services.grids.grantable import Placement, beyond, covered
from services.grids.models import Department, Household, Link, OrgUnit, Person, Team
from services.grids.placement import Places

SERVICE = "grids"
_IN_CHUNK = 500  # values per `IN (...)`: stays under every driver's parameter limit


class ImportUnreadable(Exception):
    """The file could not be read as a table at all."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class ImportInvalid(Exception):
    """The file was read but some rows are wrong; nothing was written."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} errors in the import file")
        self.errors = errors


@dataclass
class ImportReport:
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int


# --------------------------------------------------------------------------- reading


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's data rows as {header: cell text}; fully empty rows are skipped."""
    headers, rows = _read_table(filename, content)
    return [
        {header: row[i] if i < len(row) else "" for i, header in enumerate(headers) if header}
        for _, row in rows
    ]


def _read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells, and each non-empty data row with its 1-based row number in the file."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_cells(content)
    elif suffix == ".csv":
        table = _csv_cells(content)
    elif suffix == ".xls":
        raise ImportUnreadable("不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 后再导入")
    else:
        raise ImportUnreadable(f"不支持的文件类型“{suffix or filename}”,请上传 .xlsx 或 .csv 文件")
    if not table:
        raise ImportUnreadable("文件是空的")
    headers = table[0]
    rows = [(number, row) for number, row in enumerate(table[1:], start=2) if any(row)]
    return headers, rows


def _xlsx_cells(content: bytes) -> list[list[str]]:
    try:
        return uploads.xlsx_rows(content, _cell_text)  # size-checked, parsed off the hub
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many different ways
        raise ImportUnreadable("不是有效的 .xlsx 文件,请用 Excel 重新保存后再试") from exc


def _csv_cells(content: bytes) -> list[list[str]]:
    # UTF-8 (with or without BOM) first; Chinese Excel saves CSV as GBK, a subset of GB18030.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportUnreadable("CSV 文件编码无法识别,请保存为 UTF-8 或 GBK 编码")
    uploads.check_lines(text)
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise ImportUnreadable(f"CSV 格式有误:{exc}") from exc


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text; whole numbers lose the `.0` Excel gives them."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# --------------------------------------------------------------------------- cell values


class _BadValue(ValueError):
    """A cell that cannot be turned into its field's value; the message is Chinese."""


_FULL_WIDTH = str.maketrans({"\uff08": "(", "\uff09": ")", "\uff0c": ",", "\uff1b": ";", "\u3000": " "})


def _normalise_label(text: str) -> str:
    """Full-width brackets as half-width, no spaces: `县（市、区）` matches `县(市、区)`."""
    return text.translate(_FULL_WIDTH).replace(" ", "")


def _choice(enum_cls: type, labels: dict, extra: dict[str, Any], what: str) -> Callable[[str], Any]:
    """A parser accepting an enum's Chinese label, its value, or an extra spelling."""
    table = {_normalise_label(label): member for member, label in labels.items()}
    table.update({member.value: member for member in enum_cls})
    table.update(extra)
    allowed = "、".join(labels.values())

    def parse(text: str) -> Any:
        member = table.get(_normalise_label(text)) or table.get(text.lower())
        if member is None:
            raise _BadValue(f"{what}“{text}”无效,应为:{allowed}")
        return member

    return parse


_parse_level = _choice(
    Level, LEVEL_LABELS, {"县": Level.county, "乡镇": Level.township, "村": Level.village}, "层级"
)
_parse_link_kind = _choice(LinkKind, LINK_LABELS, {}, "类型")
_parse_role = _choice(Role, ROLE_LABELS, {}, "角色")
_ROLE_SEPARATORS = re.compile(r"[、,;/\s]+")


def _parse_roles(text: str) -> list[Role]:
    """`党员、网格员`, `member,grid_worker`, full-width `,` or `;` too."""
    roles: list[Role] = []
    for part in filter(None, _ROLE_SEPARATORS.split(text.translate(_FULL_WIDTH))):
        role = _parse_role(part)
        if role not in roles:
            roles.append(role)
    return roles


def _parse_phone(text: str) -> str:
    phone = text.replace(" ", "").replace("-", "")
    if not valid_phone(phone):
        raise _BadValue(f"手机号“{text}”格式不正确,应为 11 位手机号")
    return phone


def _parse_id_number(text: str) -> str:
    if not valid_id_number(text):
        raise _BadValue(f"身份证号“{text}”无效:应为 18 位且校验位正确(Excel 中请将该列设为文本格式)")
    return text.upper()


# --------------------------------------------------------------------------- the generic machinery


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = True
    max_len: int | None = None
    parse: Callable[[str], Any] | None = None
    hint: str = ""


@dataclass
class _Row:
    number: int  # in the file, the header being row 1
    values: dict[str, Any]  # field -> parsed value; None when empty or invalid

    def __getitem__(self, field: str) -> Any:
        return self.values.get(field)


def _fetch(
    session: Session, model: type, column: InstrumentedAttribute, values: Iterable[Any], *criteria: Any
) -> list:
    """Rows whose `column` is one of `values`, a few queries however many values."""
    wanted = sorted({v for v in values if v is not None})
    found: list = []
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        found.extend(session.scalars(select(model).where(column.in_(chunk), *criteria)))
    return found


def _by_code(session: Session, model: type, codes: Iterable[str | None]) -> dict[str, Any]:
    return {obj.code: obj for obj in _fetch(session, model, model.code, codes)}


def _update(obj: object, wanted: dict[str, Any]) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class _Importer(abc.ABC):
    """One kind of import: columns, then `validate` (no writes) and `apply` (writes, emits)."""

    kind: ClassVar[str]
    label: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    unique: ClassVar[tuple[tuple[str, ...], ...]] = (("code",),)
    # model attribute -> the field it comes from, where their names differ
    attr_fields: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        uow: UnitOfWork,
        mapping: dict[int, Column],
        table: list[tuple[int, list[str]]],
        scope: tuple[str, ...] | None = None,
    ):
        self.uow = uow
        self.session: Session = uow.session
        self.scope = scope  # the importer's scope; None only for trusted callers (seeding, tests)
        self.places = Places(self.session)
        self.present = {column.field for column in mapping.values()}  # fields the file has a column for
        self.errors: list[dict] = []
        self.rows = [self.parse_cells(number, cells, mapping) for number, cells in table]
        self.created = self.updated = self.unchanged = 0

    # -- parsing, shared by every kind

    @classmethod
    def header(cls, field: str) -> str:
        return next(c.header for c in cls.columns if c.field == field)

    @classmethod
    def map_headers(cls, headers: list[str]) -> dict[int, Column]:
        """Which column of the file holds which field; raises on a missing required column."""
        aliases = {}
        for column in cls.columns:
            aliases[column.header] = column
            aliases[column.field.lower()] = column
        mapping: dict[int, Column] = {}
        errors = []
        for index, text in enumerate(headers):
            column = aliases.get(text.strip()) or aliases.get(text.strip().lower())
            if column is None:
                continue  # extra columns (备注 and the like) are ignored
            if column in mapping.values():
                errors.append(_error(1, column.header, f"“{column.header}”列重复出现"))
            mapping[index] = column
        for column in cls.columns:
            if column.required and column not in mapping.values():
                errors.append(_error(1, column.header, f"缺少必填列“{column.header}”"))
        if errors:
            raise ImportInvalid(errors)
        return mapping

    def parse_cells(self, number: int, cells: list[str], mapping: dict[int, Column]) -> _Row:
        row = _Row(number, {})
        for index, column in mapping.items():
            text = cells[index] if index < len(cells) else ""
            row.values[column.field] = None
            if not text:
                if column.required:
                    self.error(row, column.field, f"{column.header}不能为空")
            elif column.max_len and len(text) > column.max_len:
                self.error(row, column.field, f"{column.header}不能超过 {column.max_len} 个字符")
            elif column.parse is None:
                row.values[column.field] = text
            else:
                try:
                    row.values[column.field] = column.parse(text)
                except _BadValue as exc:
                    self.error(row, column.field, str(exc))
        return row

    def check_unique(self) -> None:
        """The same natural key (or other unique field) twice in the file."""
        for fields in self.unique:
            seen: dict[tuple, int] = {}
            for row in self.rows:
                key = tuple(row[f] for f in fields)
                if any(v is None for v in key):
                    continue
                if key in seen:
                    self.error(row, fields[-1], f"与第 {seen[key]} 行重复")
                else:
                    seen[key] = row.number

    # -- helpers for the kinds

    def error(self, row: _Row, field: str, message: str) -> None:
        self.errors.append(_error(row.number, self.header(field), message))

    def in_scope(self, row: _Row, field: str, path: str | None, what: str) -> bool:
        """A row naming a record outside the importer's scope is a row error (nothing is written)."""
        if self.scope is None or covered(self.scope, path):
            return True
        self.error(row, field, f"{what}不在您的管辖范围内")
        return False

    def placement_in_scope(self, row: _Row, field: str, placement: Placement, what: str) -> bool:
        if self.scope is None or not beyond(self.scope, placement):
            return True
        self.error(row, field, f"{what}超出您的管辖范围")
        return False

    def emit(self, name: str, data: dict, subject: str, org_path: str) -> None:
        self.uow.emit(DomainEvent(SERVICE, name, data, subject=subject, org_path=org_path))

    def upsert_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only the attributes whose column is in the file: a missing column leaves data alone."""
        return {k: v for k, v in values.items() if self.attr_fields.get(k, k) in self.present}

    def count(self, changed: bool) -> bool:
        """Count an existing row as updated or unchanged; every change is evented, so that
        the importer's scope can be checked against what it touched."""
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1
        return changed

    @abc.abstractmethod
    def validate(self) -> None:
        """Check every row against the file and the database; collect errors, write nothing."""

    @abc.abstractmethod
    def apply(self) -> None:
        """Write the rows and emit their events (only after `validate` found no error)."""


def _error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


# --------------------------------------------------------------------------- tree (组织架构)


class _TreeImport(_Importer):
    kind = "tree"
    label = "组织架构"
    columns = (
        Column("code", "编码", max_len=32),
        Column("name", "名称", max_len=100),
        Column("level", "层级", parse=_parse_level, hint="县(市、区)、乡镇(街道)、村(社区)、网格"),
        Column("parent_code", "上级编码", required=False, max_len=32, hint="县级留空"),
    )

    def validate(self) -> None:
        in_file = {row["code"]: row for row in self.rows if row["code"]}
        self.stored: dict[str, OrgUnit] = _by_code(
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

    def _check_stored(self, row: _Row, unit: OrgUnit) -> None:
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
                    if self.count(_update(unit, {"name": row["name"]})):
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


# --------------------------------------------------------------------------- people (人员)


class _PeopleImport(_Importer):
    kind = "people"
    label = "人员"
    columns = (
        Column("code", "编号", max_len=32),
        Column("name", "姓名", max_len=50),
        Column("phone", "手机", parse=_parse_phone),
        Column("id_number", "身份证号", required=False, parse=_parse_id_number),
        Column(
            "roles", "角色", parse=_parse_roles, hint="多个角色用“、”分隔:" + "、".join(ROLE_LABELS.values())
        ),
        Column("org_code", "所属组织编码", max_len=32),
        Column("department_code", "部门编码", required=False, max_len=32),
        Column("team_code", "组团编码", required=False, max_len=32),
        Column("username", "账号", required=False, max_len=64, hint="登录账号;密码不随导入设置"),
    )
    unique = (("code",), ("username",))
    attr_fields = {"org_unit_id": "org_code", "department_id": "department_code", "team_id": "team_code"}

    def validate(self) -> None:
        self.orgs: dict[str, OrgUnit] = _by_code(self.session, OrgUnit, (r["org_code"] for r in self.rows))
        self.departments = _by_code(self.session, Department, (r["department_code"] for r in self.rows))
        self.teams = _by_code(self.session, Team, (r["team_code"] for r in self.rows))
        self.stored: dict[str, Person] = _by_code(self.session, Person, (r["code"] for r in self.rows))
        owners = _fetch(self.session, Person, Person.username, (r["username"] for r in self.rows))
        username_owner = {p.username: p.code for p in owners}
        if self.scope is not None:
            self.places.linked_grids(p.id for p in self.stored.values())
        for row in self.rows:
            org = self.orgs.get(row["org_code"])
            if row["org_code"] is not None and org is None:
                self.error(row, "org_code", f"组织编码“{row['org_code']}”不存在")
            if org is not None and row["roles"]:
                try:
                    check_role_place(row["roles"], Level(org.level))
                except OrgRuleError as exc:
                    self.error(row, "roles", exc.message)
            for field, found, what in (
                ("department_code", self.departments, "部门编码"),
                ("team_code", self.teams, "组团编码"),
            ):
                if row[field] is not None and row[field] not in found:
                    self.error(row, field, f"{what}“{row[field]}”不存在")
            owner = username_owner.get(row["username"])
            if owner is not None and owner != row["code"]:
                self.error(row, "username", f"账号“{row['username']}”已被人员“{owner}”使用")
            self.check_scope(row, org)

    def check_scope(self, row: _Row, org: OrgUnit | None) -> None:
        """The person as they stand and as the row would leave them: both inside scope."""
        if self.scope is None:
            return
        stored = self.stored.get(row["code"])
        if stored is not None:
            if not self.placement_in_scope(
                row, "code", self.places.of_person(stored), f"人员“{stored.code}”"
            ):
                return
        if org is None or not row["roles"]:
            return  # an error of its own already
        department = self.departments.get(row["department_code"])
        team = self.teams.get(row["team_code"])

        def kept(field: str, new: int | None, old: int | None) -> int | None:
            return new if field in self.present or stored is None else old  # a missing column keeps data

        after = self.places.of(
            [r.value for r in row["roles"]],
            org.id,
            kept("department_code", department.id if department else None, stored and stored.department_id),
            kept("team_code", team.id if team else None, stored and stored.team_id),
            stored.id if stored else None,
        )
        self.placement_in_scope(row, "org_code", after, "该行的角色、组织、部门或组团")

    def apply(self) -> None:
        self.org_paths = {org.id: org.path for org in self.orgs.values()}
        new: list[Person] = []
        for row in self.rows:
            department = self.departments.get(row["department_code"])
            team = self.teams.get(row["team_code"])
            values = {
                "name": row["name"],
                "phone": row["phone"],
                "id_number": row["id_number"],
                "roles": [role.value for role in row["roles"]],
                "org_unit_id": self.orgs[row["org_code"]].id,
                "department_id": department.id if department else None,
                "team_id": team.id if team else None,
                "username": row["username"],
            }
            person = self.stored.get(row["code"])
            if person is None:
                new.append(Person(code=row["code"], **values, password_hash=None, active=True))
                continue
            if set(person.roles or ()) == set(values["roles"]):
                values["roles"] = person.roles  # the same roles in another order are no change
            assigned = (values["roles"], values["org_unit_id"]) != (person.roles, person.org_unit_id)
            changed = self.count(_update(person, self.upsert_fields(values)))
            if assigned:
                self._assigned(person)
            elif changed:
                self._assigned(person, "person.updated")
        self.session.add_all(new)
        self.session.flush()
        for person in new:
            self._assigned(person)
        self.created += len(new)

    def _assigned(self, person: Person, name: str = "person.assigned") -> None:
        self.emit(
            name,
            {
                "id": person.id,
                "code": person.code,
                "name": person.name,
                "roles": list(person.roles),
                "org_unit_id": person.org_unit_id,
            },
            subject=f"people/{person.id}",
            org_path=self.org_paths[person.org_unit_id],
        )


# --------------------------------------------------------------------------- households (户)


class _HouseholdsImport(_Importer):
    kind = "households"
    label = "户"
    columns = (
        Column("code", "户编号", max_len=32),
        Column("grid_code", "网格编码", max_len=32),
        Column("address", "地址", max_len=200),
        Column("head_name", "户主", max_len=50),
        Column("phone", "联系电话", required=False, parse=_parse_phone),
    )
    attr_fields = {"grid_id": "grid_code"}

    def validate(self) -> None:
        self.grids: dict[str, OrgUnit] = _by_code(self.session, OrgUnit, (r["grid_code"] for r in self.rows))
        self.stored: dict[str, Household] = _by_code(self.session, Household, (r["code"] for r in self.rows))
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
            if self.count(_update(household, self.upsert_fields(values))):
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


# --------------------------------------------------------------------------- links (联系关系)

_CADRE_ROLES = {Role.village_cadre.value, Role.village_secretary.value, Role.grid_worker.value}


class _LinksImport(_Importer):
    kind = "links"
    label = "联系关系"
    columns = (
        Column("kind", "类型", parse=_parse_link_kind, hint="、".join(LINK_LABELS.values())),
        Column("source_code", "联系人编号", max_len=32, hint="人员编号;组团联村填组团编码"),
        Column("target_code", "对象编码", max_len=32, hint="户编号、网格编码或村(社区)编码"),
    )
    unique = (("kind", "source_code", "target_code"),)

    def validate(self) -> None:
        def codes(kind: LinkKind, field: str) -> list[str]:
            return [r[field] for r in self.rows if r["kind"] == kind]

        mh, cg, tv = LinkKind.member_household, LinkKind.cadre_grid, LinkKind.team_village
        people = _by_code(self.session, Person, codes(mh, "source_code") + codes(cg, "source_code"))
        teams = _by_code(self.session, Team, codes(tv, "source_code"))
        households = _by_code(self.session, Household, codes(mh, "target_code"))
        places = _by_code(self.session, OrgUnit, codes(cg, "target_code") + codes(tv, "target_code"))
        unit_ids = [h.grid_id for h in households.values()] + [p.org_unit_id for p in people.values()]
        self.units: dict[int, OrgUnit] = {u.id: u for u in places.values()}
        self.units.update({u.id: u for u in _fetch(self.session, OrgUnit, OrgUnit.id, unit_ids)})

        self.resolved: list[tuple[_Row, int, int, str]] = []  # row, source id, target id, org path
        if self.scope is not None:
            self.places.linked_grids(p.id for p in people.values())
        for row in self.rows:
            kind = row["kind"]
            if kind is None or row["source_code"] is None or row["target_code"] is None:
                continue
            if kind == tv:
                source = teams.get(row["source_code"])
                missing = f"组团编码“{row['source_code']}”不存在"
            else:
                source = people.get(row["source_code"])
                missing = f"人员编号“{row['source_code']}”不存在"
            if source is None:
                self.error(row, "source_code", missing)
            elif kind != tv and not source.active:
                self.error(row, "source_code", f"人员“{source.code}”已停用")
                source = None
            target = {mh: households, cg: places, tv: places}[kind].get(row["target_code"])
            if target is None:
                self.error(row, "target_code", f"对象编码“{row['target_code']}”不存在")
            if source is None or target is None:
                continue
            place = self.check_rule(row, kind, source, target)
            if place is None or not self.in_scope(
                row, "target_code", place.path, f"对象“{row['target_code']}”"
            ):
                continue
            if self.scope is not None:
                if kind == tv:
                    team_path, villages = self.places.team(source.id)
                    standing = Placement(roles=(), place=team_path or "", team_villages=villages)
                else:
                    standing = self.places.of_person(source)
                if not self.placement_in_scope(row, "source_code", standing, f"联系人“{row['source_code']}”"):
                    continue
            self.resolved.append((row, source.id, target.id, place.path))

    def check_rule(self, row: _Row, kind: LinkKind, source: Any, target: Any) -> OrgUnit | None:
        """The org unit the link lives in, or None after reporting why it may not exist."""
        if kind == LinkKind.member_household:
            if Role.member.value not in source.roles:
                self.error(row, "source_code", f"“{source.name}”不是党员,不能联户")
                return None
            return self.units[target.grid_id]
        if kind == LinkKind.cadre_grid:
            if not _CADRE_ROLES & set(source.roles):
                self.error(
                    row, "source_code", f"“{source.name}”不是村两委干部、村党组织书记或网格员,不能联格"
                )
                return None
            if target.level != Level.grid.value:
                self.error(row, "target_code", f"“{target.code}”不是网格")
                return None
            home = self.units[source.org_unit_id]
            village_id = home.id if home.level == Level.village.value else home.parent_id
            if target.parent_id != village_id:
                self.error(row, "target_code", f"网格“{target.code}”不在“{source.name}”所在的村(社区)")
                return None
            return target
        if target.level != Level.village.value:
            self.error(row, "target_code", f"“{target.code}”不是村(社区),组团只能联村")
            return None
        return target

    def apply(self) -> None:
        active = {
            (link.kind, link.source_id, link.target_id)
            for kind in LinkKind
            for link in _fetch(
                self.session,
                Link,
                Link.source_id,
                (source_id for row, source_id, _, _ in self.resolved if row["kind"] == kind),
                Link.kind == kind.value,
                Link.active_key == 0,
            )
        }
        new: list[tuple[Link, str]] = []
        for row, source_id, target_id, path in self.resolved:
            if (row["kind"].value, source_id, target_id) in active:
                self.unchanged += 1
                continue
            link = Link(kind=row["kind"].value, source_id=source_id, target_id=target_id, active_key=0)
            new.append((link, path))
        self.session.add_all(link for link, _ in new)
        self.session.flush()
        for link, path in new:
            self.emit(
                "link.created",
                {"id": link.id, "kind": link.kind, "source_id": link.source_id, "target_id": link.target_id},
                subject=f"links/{link.id}",
                org_path=path,
            )
        self.created += len(new)


# --------------------------------------------------------------------------- entry points

IMPORTERS: dict[str, type[_Importer]] = {
    cls.kind: cls for cls in (_TreeImport, _PeopleImport, _HouseholdsImport, _LinksImport)
}


def _importer(kind: str) -> type[_Importer]:
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {sorted(IMPORTERS)}") from None


def run_import(
    uow: UnitOfWork, kind: str, filename: str, content: bytes, scope: Iterable[str] | None = None
) -> ImportReport:
    """Validate the whole file, then upsert its rows and emit events. Does not commit.
    With `scope` (the importer's), a row naming anything outside it is a row error."""
    cls = _importer(kind)
    headers, table = _read_table(filename, content)
    mapping = cls.map_headers(headers)
    if not table:
        raise ImportInvalid([_error(1, "", "文件只有表头,没有数据行")])
    importer = cls(uow, mapping, table, tuple(scope) if scope is not None else None)
    importer.check_unique()
    importer.validate()
    if importer.errors:
        order = {column.header: i for i, column in enumerate(cls.columns)}
        raise ImportInvalid(sorted(importer.errors, key=lambda e: (e["row"], order.get(e["column"], -1))))
    importer.apply()
    uow.session.flush()
    return ImportReport(
        kind=kind,
        rows=len(importer.rows),
        created=importer.created,
        updated=importer.updated,
        unchanged=importer.unchanged,
    )


def template_xlsx(kind: str) -> bytes:
    """An empty workbook with the kind's headers (text-formatted columns) and a notes sheet."""
    cls = _importer(kind)
    book = xlsx.new_workbook()
    sheet = xlsx.add_sheet(book, cls.label, [column.header for column in cls.columns], [])
    for index, column in enumerate(cls.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 3)
        sheet.column_dimensions[letter].number_format = "@"  # codes and phones stay text
    notes = [[column.header, "必填" if column.required else "选填", column.hint] for column in cls.columns]
    notes += [[], ["只读取第一个工作表;表头必须在第一行;重复导入同一文件不会产生重复数据。"]]
    xlsx.add_sheet(book, "填写说明", ["列名", "是否必填", "说明"], notes)
    return xlsx.to_bytes(book)
