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

from collections.abc import Iterable

from openpyxl.utils import get_column_letter

from common import xlsx
from common.db import UnitOfWork
from services.grids.importing.households import HouseholdsImport
from services.grids.importing.links import LinksImport
from services.grids.importing.outcomes import ImportInvalid, ImportReport, ImportUnreadable, error_entry
from services.grids.importing.people import PeopleImport
from services.grids.importing.reading import read_rows, read_table
from services.grids.importing.sheet import Importer
from services.grids.importing.tree import TreeImport

__all__ = ["ImportInvalid", "ImportReport", "ImportUnreadable", "read_rows", "run_import", "template_xlsx"]

IMPORTERS: dict[str, type[Importer]] = {
    cls.kind: cls for cls in (TreeImport, PeopleImport, HouseholdsImport, LinksImport)
}


def _importer(kind: str) -> type[Importer]:
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
    headers, table = read_table(filename, content)
    mapping = cls.map_headers(headers)
    if not table:
        raise ImportInvalid([error_entry(1, "", "文件只有表头,没有数据行")])
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
