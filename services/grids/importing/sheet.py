"""The machinery every kind of sheet shares: its columns, the file's headers mapped onto
them, cells parsed into rows, duplicate keys, scope checks, and the counts of the report.
Each kind (tree, people, households, links) adds `validate` and `apply`."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from common.db import UnitOfWork
from common.events import DomainEvent
from services.grids.grantable import Placement, beyond, covered
from services.grids.importing.cells import BadValue
from services.grids.importing.outcomes import ImportInvalid, error_entry
from services.grids.placement import Places

SERVICE = "grids"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool = True
    max_len: int | None = None
    parse: Callable[[str], Any] | None = None
    hint: str = ""


@dataclass
class Row:
    number: int  # in the file, the header being row 1
    values: dict[str, Any]  # field -> parsed value; None when empty or invalid

    def __getitem__(self, field: str) -> Any:
        return self.values.get(field)


class Importer(abc.ABC):
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
                errors.append(error_entry(1, column.header, f"“{column.header}”列重复出现"))
            mapping[index] = column
        for column in cls.columns:
            if column.required and column not in mapping.values():
                errors.append(error_entry(1, column.header, f"缺少必填列“{column.header}”"))
        if errors:
            raise ImportInvalid(errors)
        return mapping

    def parse_cells(self, number: int, cells: list[str], mapping: dict[int, Column]) -> Row:
        row = Row(number, {})
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
                except BadValue as exc:
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

    def error(self, row: Row, field: str, message: str) -> None:
        self.errors.append(error_entry(row.number, self.header(field), message))

    def in_scope(self, row: Row, field: str, path: str | None, what: str) -> bool:
        """A row naming a record outside the importer's scope is a row error (nothing is written)."""
        if self.scope is None or covered(self.scope, path):
            return True
        self.error(row, field, f"{what}不在您的管辖范围内")
        return False

    def placement_in_scope(self, row: Row, field: str, placement: Placement, what: str) -> bool:
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
