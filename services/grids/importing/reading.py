"""Reading an import file: .xlsx or .csv (UTF-8 or GBK) into header cells and data rows of
text, size-checked; anything that is not a readable table is `ImportUnreadable`."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import PurePath

from common import uploads
from common.errors import DomainError
from services.grids.importing.outcomes import ImportUnreadable


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's data rows as {header: cell text}; fully empty rows are skipped."""
    headers, rows = read_table(filename, content)
    return [
        {header: row[i] if i < len(row) else "" for i, header in enumerate(headers) if header}
        for _, row in rows
    ]


def read_table(filename: str, content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header cells, and each non-empty data row with its 1-based row number in the file."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_cells(content)
    elif suffix == ".csv":
        table = _csv_cells(content)
    elif suffix == ".xls":
        raise ImportUnreadable(
            "不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 后再导入",
            "old .xls files are not read; save it as .xlsx in Excel first",
        )
    else:
        raise ImportUnreadable(
            f"不支持的文件类型“{suffix or filename}”,请上传 .xlsx 或 .csv 文件",
            f"“{suffix or filename}” files are not read; upload .xlsx or .csv",
        )
    if not table:
        raise ImportUnreadable("文件是空的", "the file is empty")
    headers = table[0]
    rows = [(number, row) for number, row in enumerate(table[1:], start=2) if any(row)]
    return headers, rows


def _xlsx_cells(content: bytes) -> list[list[str]]:
    try:
        return uploads.xlsx_rows(content, _cell_text)  # size-checked, parsed off the hub
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many different ways
        raise ImportUnreadable(
            "不是有效的 .xlsx 文件,请用 Excel 重新保存后再试",
            "not a valid .xlsx file; save it again in Excel",
        ) from exc


def _csv_cells(content: bytes) -> list[list[str]]:
    # UTF-8 (with or without BOM) first; Chinese Excel saves CSV as GBK, a subset of GB18030.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportUnreadable(
            "CSV 文件编码无法识别,请保存为 UTF-8 或 GBK 编码", "unknown CSV encoding; save it as UTF-8 or GBK"
        )
    uploads.check_lines(text)
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise ImportUnreadable(f"CSV 格式有误:{exc}", f"malformed CSV: {exc}") from exc


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
