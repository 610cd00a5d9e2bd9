"""Reading an uploaded spreadsheet without letting it hurt the service.

An .xlsx is a zip: its entries' uncompressed sizes and compression ratios are checked
from the archive's directory before anything is inflated (zipfile never inflates an
entry past the size it declares), and the first sheet's declared and real row counts
are capped while it is read. Parsing is CPU work that would hold nameko's one eventlet
hub, so it runs in a real thread (eventlet.tpool) and the service's other requests go
on being answered meanwhile.

Limits: GOV_IMPORT_MAX_ROWS (100,000 data rows) and GOV_IMPORT_MAX_UNCOMPRESSED_MB (100).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from eventlet import tpool
from openpyxl import load_workbook

from common.config import env
from common.errors import DomainError

MAX_ENTRIES = 1000  # a workbook has a few dozen parts
MAX_RATIO = 200  # xlsx XML inflates 5-30 times; a zip bomb thousands of times
RATIO_FLOOR = 1024 * 1024  # small entries may compress as well as they like
MAX_COLUMNS = 500


def max_rows() -> int:
    return int(env("GOV_IMPORT_MAX_ROWS", "100000"))


def max_uncompressed() -> int:
    return int(float(env("GOV_IMPORT_MAX_UNCOMPRESSED_MB", "100")) * 1024 * 1024)


def too_large() -> DomainError:
    return DomainError("import_too_large", {"limit_mb": max_uncompressed() // (1024 * 1024)})


def too_many_rows() -> DomainError:
    return DomainError("import_too_many_rows", {"limit": max_rows()})


def check_archive(content: bytes) -> None:
    """Refuse a zip that would inflate too far; a file that is not a zip is left to the
    parser to call unreadable."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > max_uncompressed():
        raise too_large()
    for e in entries:
        if e.file_size > RATIO_FLOOR and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise too_large()


def check_lines(text: str) -> None:
    if text.count("\n") > max_rows() + 1:
        raise too_many_rows()


def _read(content: bytes, cell: Callable[[object], object], limit: int) -> list[list]:
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        if (sheet.max_row or 0) > limit + 1:  # the sheet's own dimension says so
            raise too_many_rows()
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise too_large()
        sheet.reset_dimensions()  # a lying dimension would cut rows off unseen: read them all
        rows = []
        for row in sheet.iter_rows(values_only=True):  # and count as we go
            rows.append([cell(value) for value in row])
            if len(rows) > limit + 1:
                raise too_many_rows()
        return rows
    finally:
        book.close()


def xlsx_rows(content: bytes, cell: Callable[[object], object] = lambda v: v) -> list[list]:
    """The first sheet's rows (header included), each value passed through `cell`.
    Raises DomainError (413 import_too_large, 422 import_too_many_rows); anything else
    the parser raises is the caller's "unreadable"."""
    check_archive(content)
    return tpool.execute(_read, content, cell, max_rows())
