"""What an import answers: its report, or why nothing was written."""

from __future__ import annotations

from dataclasses import dataclass


class ImportUnreadable(Exception):
    """The file could not be read as a table at all."""

    def __init__(self, detail: str, detail_en: str):
        super().__init__(detail)
        self.detail, self.detail_en = detail, detail_en


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


def error_entry(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}
