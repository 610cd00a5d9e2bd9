"""Every spreadsheet the platform writes goes through here, so that text typed by a user
(a matter's name, a note in a ledger) is stored as text and never runs as a formula when
someone opens the export (CSV/formula injection: `=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)`).

A string is always written as a string cell; one that Excel or another spreadsheet would
read as a formula (starting with = + - @, a tab or a carriage return) also gets Excel's
quote prefix, so it stays text when the cell is edited. Characters a workbook cannot hold
are dropped instead of failing the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def text_cell(sheet: Worksheet, value: object) -> object:
    """A cell for `value`: strings as string cells (quote-prefixed when formula-like),
    anything else (numbers, dates, None) as it is."""
    if not isinstance(value, str):
        return value
    cell = Cell(sheet)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    if looks_like_formula(cell.value):
        cell.quotePrefix = True
    return cell


def append(sheet: Worksheet, row: Iterable[object]) -> None:
    sheet.append([text_cell(sheet, value) for value in row])


def add_sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> Worksheet:
    """A sheet with a bold header row (frozen) and the rows under it."""
    sheet = book.create_sheet(title)
    append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        append(sheet, row)
    return sheet


def new_workbook() -> Workbook:
    book = Workbook()
    book.remove(book.active)
    return book


def to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_workbook(title: str, header: Sequence[str], rows: Iterable[Iterable[object]]) -> bytes:
    """One sheet, header and rows, as .xlsx bytes."""
    book = new_workbook()
    add_sheet(book, title, header, rows)
    return to_bytes(book)
