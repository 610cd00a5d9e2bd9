"""Uploaded spreadsheets are checked before they are parsed (common.uploads): an archive
that inflates too far or too suspiciously is a 413, a sheet with too many rows a 422
(whatever its dimension claims), for both imports that read .xlsx (grids' org import and
taskflow's catalogue); and while a big workbook parses, the hub keeps serving."""

import io
import time
import zipfile

import eventlet
import openpyxl
import pytest

from common import uploads
from common.errors import DomainError
from services.grids import importing
from services.tasks.taskflow import queries


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(content: bytes, change) -> bytes:
    """The same workbook with `change(name, data) -> data` applied to each entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def people(n: int) -> bytes:
    return workbook(
        [["编号", "姓名", "角色", "所属组织编码"]] + [[f"P{i}", "张三", "党员", "G1"] for i in range(n)]
    )


def refused(read, content) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read(content)
    return caught.value


READERS = {
    "org import": lambda content: importing.read_rows("人员.xlsx", content),
    "catalogue import": queries.parse_catalogue_xlsx,
}


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
def test_an_archive_that_inflates_too_far_is_refused_before_parsing(read, monkeypatch):
    monkeypatch.setenv("GOV_IMPORT_MAX_UNCOMPRESSED_MB", "2")
    padded = rezip(
        people(3), lambda name, data: data + b" " * (3 * 1024 * 1024) if name.endswith("sheet1.xml") else data
    )
    assert len(padded) < 100_000  # small on the wire
    error = refused(read, padded)
    assert (error.status, error.code) == (413, "import_too_large")
    assert error.message() == "导入文件解压后过大(上限 2 MB)或压缩比异常,请拆分后再导入"


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
def test_a_zip_bomb_ratio_is_refused_even_under_the_size_limit(read):
    bomb = rezip(
        people(3),
        lambda name, data: data + b"\x00" * (20 * 1024 * 1024) if name.endswith("sheet1.xml") else data,
    )
    error = refused(read, bomb)
    assert (error.status, error.code) == (413, "import_too_large")


@pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())
def test_too_many_rows_are_refused_even_when_the_dimension_lies(read, monkeypatch):
    monkeypatch.setenv("GOV_IMPORT_MAX_ROWS", "50")
    honest = people(60)
    error = refused(read, honest)
    assert (error.status, error.code, error.message("en")) == (
        422,
        "import_too_many_rows",
        "The import file has more than 50 rows; split it",
    )
    lying = rezip(honest, lambda name, data: data.replace(b'ref="A1:D61"', b'ref="A1:D2"'))
    assert b'ref="A1:D2"' in zipfile.ZipFile(io.BytesIO(lying)).read("xl/worksheets/sheet1.xml")
    assert refused(read, lying).code == "import_too_many_rows"
    assert len(importing.read_rows("人员.xlsx", people(50))) == 50  # the limit itself is fine


def test_a_csv_with_too_many_lines_is_refused(monkeypatch):
    monkeypatch.setenv("GOV_IMPORT_MAX_ROWS", "10")
    content = "编号,姓名\n" + "".join(f"P{i},张三\n" for i in range(20))
    assert (
        refused(lambda c: importing.read_rows("人员.csv", c), content.encode()).code == "import_too_many_rows"
    )


def test_the_hub_keeps_serving_while_a_big_workbook_parses():
    big = workbook([[f"r{r}c{c}" for c in range(40)] for r in range(6000)])
    gaps, done = [], []

    def ticker():
        last = time.monotonic()
        while not done:
            eventlet.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    tick = eventlet.spawn(ticker)
    started = time.monotonic()
    rows = uploads.xlsx_rows(big)
    parsing = time.monotonic() - started
    done.append(True)
    tick.wait()
    assert len(rows) == 6000 and rows[-1][-1] == "r5999c39"
    assert parsing > 1.0, parsing  # long enough that a blocked hub would show
    # a blocked hub ticks once, after the parse; a free one ticks every 10 ms through it (a
    # loaded machine stretches some ticks, but dozens still come in over a second and more)
    assert len(gaps) >= 10, (parsing, len(gaps), max(gaps))
