"""Bulk import of the org: reading, validation as a whole, idempotent upsert, events."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.storage import make_engine
from services.grids.importing import (
    ImportInvalid,
    ImportReport,
    ImportUnreadable,
    read_rows,
    run_import,
    template_xlsx,
)
from services.grids.models import (
    Base,
    Department,
    Household,
    Link,
    OrgUnit,
    OutboxMessage,
    Person,
    ProcessedEvent,
    Team,
)

# --------------------------------------------------------------------------- helpers


def id_number(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'grids.db'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def do_import(factory, kind: str, filename: str, content: bytes) -> ImportReport:
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        report = run_import(uow, kind, filename, content)
        uow.commit()
    return report


def counts(factory) -> dict[str, int]:
    with factory() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (OrgUnit, Person, Household, Link, OutboxMessage)
        }


def outbox(factory) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)))


def unit(factory, code: str) -> OrgUnit:
    with factory() as session:
        return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


# --------------------------------------------------------------------------- the sample org

# numeric codes, as Excel keeps them; children before their parents
TREE = xlsx(
    [
        ["编码", "名称", "层级", "上级编码"],
        [330100101001, "东村一网格", "网格", 330100101],
        [330100101002, "东村二网格", "grid", 330100101],
        [330100102001, "西村一网格", "网格", 330100102],
        [330100101, "东村", "村(社区)", 330100],
        [330100102, "西村", "村", 330100],
        [330100, "城关镇", "乡镇(街道)", 3301],
        [3301, "某县", "县(市、区)", None],
    ]
)
SECRETARY_ID = id_number("33010219800101001")
PEOPLE_ROWS = [
    ["编号", "姓名", "手机", "身份证号", "角色", "所属组织编码", "部门编码", "组团编码", "账号"],
    ["P001", "张书记", "13800000001", SECRETARY_ID, "村党组织书记、党员", "330100101", "", "", "zhangsj"],
    ["P002", "李网格", "13800000002", "", "网格员;党员", "330100101001", "", "", ""],
    ["P003", "王党员", "13800000003", "", "党员", "330100101002", "", "", ""],
    ["P004", "赵干部", "13800000004", "", "组团干部", "330100", "", "T01", ""],
    ["P005", "钱科员", "13800000005", "", "department_staff", "3301", "D01", "", ""],
]
PEOPLE = csv_bytes(PEOPLE_ROWS, "gbk")  # as Chinese Excel saves CSV
HOUSEHOLDS = csv_bytes(
    [
        ["户编号", "网格编码", "地址", "户主", "联系电话"],
        ["H001", "330100101001", "东村1号", "孙一", "13900000001"],
        ["H002", "330100101002", "东村2号", "周二", ""],
    ],
    "utf-8-sig",
)
LINKS = xlsx(
    [
        ["类型", "联系人编号", "对象编码"],
        ["党员联户", "P003", "H001"],
        ["两委联格", "P001", 330100101002],
        ["cadre_grid", "P002", 330100101001],
        ["组团联村", "T01", 330100101],
    ]
)


def import_tree_with_departments(factory) -> ImportReport:
    report = do_import(factory, "tree", "组织架构.xlsx", TREE)
    county, township = unit(factory, "3301"), unit(factory, "330100")
    with factory() as session:
        session.add(Department(code="D01", name="民政局", org_unit_id=county.id))
        session.add(Team(code="T01", name="城关第一组团", org_unit_id=township.id))
        session.commit()
    return report


def import_everything(factory) -> list[ImportReport]:
    return [
        import_tree_with_departments(factory),
        do_import(factory, "people", "人员.csv", PEOPLE),
        do_import(factory, "households", "户.csv", HOUSEHOLDS),
        do_import(factory, "links", "联系关系.xlsx", LINKS),
    ]


# --------------------------------------------------------------------------- tests


def test_valid_files_create_the_org_and_emit_events(factory):
    reports = import_everything(factory)

    assert [(r.kind, r.rows, r.created, r.updated, r.unchanged) for r in reports] == [
        ("tree", 7, 7, 0, 0),
        ("people", 5, 5, 0, 0),
        ("households", 2, 2, 0, 0),
        ("links", 4, 4, 0, 0),
    ]
    county, township, village = unit(factory, "3301"), unit(factory, "330100"), unit(factory, "330100101")
    grid = unit(factory, "330100101001")
    assert county.parent_id is None and county.path == f"/{county.id}/"
    assert grid.parent_id == village.id and village.parent_id == township.id
    assert grid.path == f"/{county.id}/{township.id}/{village.id}/{grid.id}/"
    assert (grid.level, grid.name) == ("grid", "东村一网格")

    with factory() as session:
        people = {p.code: p for p in session.scalars(select(Person))}
        households = {h.code: h for h in session.scalars(select(Household))}
        links = list(session.scalars(select(Link)))
    secretary = people["P001"]
    assert secretary.roles == ["village_secretary", "member"]
    assert secretary.org_unit_id == village.id and secretary.username == "zhangsj"
    assert secretary.id_number == SECRETARY_ID and secretary.password_hash is None
    assert people["P002"].roles == ["grid_worker", "member"]
    assert people["P004"].team_id is not None and people["P005"].department_id is not None
    assert households["H001"].grid_id == grid.id and households["H002"].phone is None
    assert {(link.kind, link.active_key) for link in links} == {
        ("member_household", 0),
        ("cadre_grid", 0),
        ("team_village", 0),
    }

    events = outbox(factory)
    by_type = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    assert {t: len(v) for t, v in by_type.items()} == {
        "grassroots.grids.org_unit.created.v1": 7,
        "grassroots.grids.person.assigned.v1": 5,
        "grassroots.grids.household.created.v1": 2,
        "grassroots.grids.link.created.v1": 4,
    }
    grid_event = next(e for e in events if e.subject == f"org_units/{grid.id}")
    assert grid_event.org_path == grid.path and grid_event.source == "/grassroots/grids"
    assert grid_event.data == {
        "id": grid.id,
        "code": "330100101001",
        "name": "东村一网格",
        "level": "grid",
        "parent_id": village.id,
        "path": grid.path,
    }
    assigned = next(e for e in events if e.subject == f"people/{secretary.id}")
    assert assigned.org_path == village.path
    assert assigned.data == {
        "id": secretary.id,
        "code": "P001",
        "name": "张书记",
        "roles": ["village_secretary", "member"],
        "org_unit_id": village.id,
    }
    link_paths = {e.data["kind"]: e.org_path for e in by_type["grassroots.grids.link.created.v1"]}
    assert link_paths["member_household"] == grid.path
    assert link_paths["team_village"] == village.path


def test_reimporting_the_same_files_changes_nothing(factory):
    import_everything(factory)
    before = counts(factory)

    again = [
        do_import(factory, "tree", "组织架构.xlsx", TREE),
        do_import(factory, "people", "人员.csv", PEOPLE),
        do_import(factory, "households", "户.csv", HOUSEHOLDS),
        do_import(factory, "links", "联系关系.xlsx", LINKS),
    ]

    assert [(r.created, r.updated, r.unchanged) for r in again] == [
        (0, 0, 7),
        (0, 0, 5),
        (0, 0, 2),
        (0, 0, 4),
    ]
    assert counts(factory) == before


def test_changed_rows_update_and_every_change_emits(factory):
    import_everything(factory)
    seen = len(outbox(factory))
    tree = [["编码", "名称", "层级", "上级编码"], ["330100101", "东村社区", "村", "330100"]]
    people = [row[:] for row in PEOPLE_ROWS]
    people[2][4] = "网格员"  # P002 no longer a member: an assignment change
    people[3][2] = "13800000033"  # P003 new phone: an update, not an assignment
    people[1][4] = "党员、村党组织书记"  # same roles, other order: no change

    tree_report = do_import(factory, "tree", "tree.csv", csv_bytes(tree, "utf-8"))
    people_report = do_import(factory, "people", "people.csv", csv_bytes(people, "utf-8"))

    assert (tree_report.created, tree_report.updated) == (0, 1)
    assert (people_report.created, people_report.updated, people_report.unchanged) == (0, 2, 3)
    assert unit(factory, "330100101").name == "东村社区"
    new_events = outbox(factory)[seen:]
    assert [(e.type, e.data["code"]) for e in new_events] == [
        ("grassroots.grids.org_unit.updated.v1", "330100101"),
        ("grassroots.grids.person.assigned.v1", "P002"),
        ("grassroots.grids.person.updated.v1", "P003"),
    ]
    assert new_events[1].data["roles"] == ["grid_worker"]


def test_every_bad_row_is_reported_and_nothing_is_written(factory):
    import_tree_with_departments(factory)
    before = counts(factory)
    header = PEOPLE_ROWS[0]
    rows = [
        header,
        ["P101", "好人", "13800000101", "", "党员", "330100101001", "", "", ""],  # row 2: fine
        ["P102", "", "13800000102", "", "党员", "330100101001", "", "", ""],  # 3: no name
        ["", "", "", "", "", "", "", "", ""],  # 4: empty, skipped
        ["P103", "坏手机", "12345", "", "党员", "330100101001", "", "", ""],  # 5
        ["P104", "坏证号", "13800000104", wrong_check_digit(SECRETARY_ID), "党员", "330100101", "", "", ""],
        ["P105", "村长", "13800000105", "", "村长", "330100101", "", "", ""],  # 7: unknown role
        ["P106", "无组织", "13800000106", "", "党员", "999", "", "", ""],  # 8: unknown org
        ["P101", "重复", "13800000107", "", "党员", "330100101001", "", "", ""],  # 9: duplicate code
        ["P108", "错位", "13800000108", "", "网格员", "330100101", "D99", "", ""],  # 10: place, dept
    ]

    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        with pytest.raises(ImportInvalid) as caught:
            run_import(uow, "people", "people.xlsx", xlsx(rows))
        assert uow.events == []
        assert uow.session.scalar(select(func.count()).select_from(Person)) == 0

    errors = caught.value.errors
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "姓名"),
        (5, "手机"),
        (6, "身份证号"),
        (7, "角色"),
        (8, "所属组织编码"),
        (9, "编号"),
        (10, "角色"),
        (10, "部门编码"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in errors}
    assert messages[(3, "姓名")] == "姓名不能为空"
    assert "12345" in messages[(5, "手机")]
    assert "校验位" in messages[(6, "身份证号")]
    assert "村长" in messages[(7, "角色")]
    assert messages[(8, "所属组织编码")] == "组织编码“999”不存在"
    assert messages[(9, "编号")] == "与第 2 行重复"
    assert messages[(10, "角色")] == "网格员只能落在网格"
    assert "D99" in messages[(10, "部门编码")]
    assert counts(factory) == before


def test_link_rules_are_checked(factory):
    import_everything(factory)
    before = counts(factory)
    rows = [
        ["类型", "联系人编号", "对象编码"],
        ["党员联户", "P004", "H002"],  # P004 is not a member
        ["两委联格", "P002", "330100102001"],  # a grid in another village
        ["组团联村", "T01", "330100101001"],  # a grid, not a village
        ["member_household", "P003", "H999"],  # no such household
        ["联户", "P003", "H001"],  # no such kind
    ]

    with pytest.raises(ImportInvalid) as caught:
        do_import(factory, "links", "links.csv", csv_bytes(rows, "utf-8-sig"))

    assert [(e["row"], e["column"]) for e in caught.value.errors] == [
        (2, "联系人编号"),
        (3, "对象编码"),
        (4, "对象编码"),
        (5, "对象编码"),
        (6, "类型"),
    ]
    assert "不是党员" in caught.value.errors[0]["message"]
    assert "不在" in caught.value.errors[1]["message"]
    assert counts(factory) == before


def test_parent_defined_after_child_with_english_headers(factory):
    rows = [
        ["code", "name", "level", "parent_code"],
        ["G1", "一网格", "grid", "V1"],
        ["V1", "一村", "village", "T1"],
        ["T1", "一镇", "township", "C1"],
        ["C1", "一县", "county", ""],
    ]

    report = do_import(factory, "tree", "tree.csv", csv_bytes(rows, "utf-8"))

    assert (report.created, report.updated) == (4, 0)
    county, grid = unit(factory, "C1"), unit(factory, "G1")
    assert grid.path.startswith(county.path) and grid.path.count("/") == 5


def test_parents_already_in_the_database_are_found(factory):
    import_tree_with_departments(factory)
    rows = [["编码", "名称", "层级", "上级编码"], ["330100101003", "东村三网格", "网格", "330100101"]]

    report = do_import(factory, "tree", "more.csv", csv_bytes(rows, "gbk"))

    assert report.created == 1
    assert unit(factory, "330100101003").path.startswith(unit(factory, "330100101").path)


def test_a_grid_directly_under_a_township_is_reported(factory):
    rows = [
        ["编码", "名称", "层级", "上级编码"],
        ["C1", "一县", "县", ""],
        ["T1", "一镇", "乡镇", "C1"],
        ["G1", "一网格", "网格", "T1"],
        ["X1", "孤儿", "村", "NOPE"],
    ]

    with pytest.raises(ImportInvalid) as caught:
        do_import(factory, "tree", "tree.xlsx", xlsx(rows))

    assert caught.value.errors == [
        {"row": 4, "column": "上级编码", "message": "网格的上级必须是村(社区)"},
        {"row": 5, "column": "上级编码", "message": "上级编码“NOPE”不存在"},
    ]
    assert counts(factory)["org_units"] == 0


def test_numeric_xlsx_cells_are_read_as_strings():
    content = xlsx(
        [
            ["编码", "名称", "手机", "备注"],
            [3301, "某县", 13800000001, None],
            [None, None, None, None],
            [3.3e16, "大数", 1.0, 2.5],
        ]
    )

    assert read_rows("org.xlsx", content) == [
        {"编码": "3301", "名称": "某县", "手机": "13800000001", "备注": ""},
        {"编码": "33000000000000000", "名称": "大数", "手机": "1", "备注": "2.5"},
    ]


def test_csv_in_gbk_and_utf8_bom_read_alike():
    rows = [["编码", "名称"], ["3301", "某县(市、区)"]]
    expected = [{"编码": "3301", "名称": "某县(市、区)"}]

    assert read_rows("a.csv", csv_bytes(rows, "gbk")) == expected
    assert read_rows("a.CSV", csv_bytes(rows, "utf-8-sig")) == expected


@pytest.mark.parametrize(
    ("filename", "content"),
    [("org.txt", b"code,name"), ("org.xlsx", b"not a zip"), ("org.xls", b"\xd0\xcf\x11\xe0"), ("org", b"")],
)
def test_unreadable_files_are_refused(factory, filename, content):
    with pytest.raises(ImportUnreadable) as caught:
        do_import(factory, "tree", filename, content)
    assert caught.value.detail


def test_missing_required_column_is_reported_on_the_header_row(factory):
    content = csv_bytes([["编码", "名称", "上级编码"], ["C1", "一县", ""]], "utf-8")

    with pytest.raises(ImportInvalid) as caught:
        do_import(factory, "tree", "tree.csv", content)

    assert caught.value.errors == [{"row": 1, "column": "层级", "message": "缺少必填列“层级”"}]


@pytest.mark.parametrize("kind", ["tree", "people", "households", "links"])
def test_template_has_the_headers_and_no_rows(factory, kind):
    content = template_xlsx(kind)

    headers = next(openpyxl.load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert read_rows("template.xlsx", content) == []
    assert headers[0] in ("编码", "编号", "户编号", "类型")
    with pytest.raises(ImportInvalid):
        do_import(factory, kind, "template.xlsx", content)
