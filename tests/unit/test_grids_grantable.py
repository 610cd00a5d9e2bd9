"""Nobody gives a reach beyond their own: the grantable-scope rule, and bulk imports that
touch a record outside the importer's scope refused as a whole with row errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from common.db import UnitOfWork
from common.storage import make_engine
from services.grids.domain import Role
from services.grids.grantable import Placement, beyond, may_give
from services.grids.importing import ImportInvalid, run_import
from services.grids.models import Base, Department, Household, OutboxMessage, Person, ProcessedEvent, Team
from tests.unit.test_grids_import import HOUSEHOLDS, TREE, counts, csv_bytes, import_everything, unit

COUNTY, TOWN, TOWN2 = "/1/", "/1/2/", "/1/9/"
VILLAGE, SIBLING_VILLAGE = "/1/2/3/", "/1/2/7/"
GRID, SIBLING_GRID = "/1/2/3/4/", "/1/2/3/5/"


def place(roles, where, **kw) -> Placement:
    return Placement(roles=tuple(Role(r) for r in roles), place=where, **kw)


@pytest.mark.parametrize(
    ("caller", "placement", "allowed"),
    [
        # a township leader ...
        ([TOWN], place(["village_secretary"], VILLAGE), True),
        ([TOWN], place(["county_admin"], COUNTY), False),
        ([TOWN], place(["department_staff"], TOWN, department=COUNTY), False),  # a county department
        ([TOWN], place(["department_staff"], TOWN, department=TOWN), True),
        ([TOWN], place(["team_cadre"], TOWN, team=TOWN, team_villages=(VILLAGE,)), True),
        ([TOWN], place(["team_cadre"], TOWN, team=TOWN, team_villages=(VILLAGE, "/1/9/8/")), False),
        ([TOWN], place(["team_cadre"], TOWN, team=TOWN2, team_villages=(VILLAGE,)), False),
        # a team, like a department, counts even when the roles make no use of it
        ([TOWN], place(["resident"], GRID, team=TOWN2), False),
        ([TOWN], place(["resident"], GRID, department=COUNTY), False),
        # a village secretary ...
        ([VILLAGE], place(["township_leader"], TOWN), False),
        ([VILLAGE], place(["grid_worker"], GRID, linked_grids=(SIBLING_GRID,)), True),
        ([VILLAGE], place(["village_cadre"], SIBLING_VILLAGE), False),
        ([VILLAGE], place(["grid_worker"], GRID, linked_grids=("/1/2/7/6/",)), False),
        # a grid worker's own grid does not reach the sibling grid
        ([GRID], place(["resident"], SIBLING_GRID), False),
        ([GRID], place(["resident"], GRID), True),
        # an unknown place is never given
        ([COUNTY], place(["resident"], ""), False),
        ([COUNTY], place(["county_admin"], COUNTY), True),
    ],
)
def test_may_give(caller, placement, allowed):
    assert may_give(caller, placement) is allowed
    assert (beyond(caller, placement) == []) is allowed


def test_reach_is_the_scope_plus_every_named_place():
    cadre = place(["team_cadre"], TOWN, team=TOWN, team_villages=(VILLAGE, SIBLING_VILLAGE))
    assert cadre.scope() == [VILLAGE, SIBLING_VILLAGE]
    assert cadre.reach() == [TOWN]  # the team's own place covers its villages
    staff = place(["department_staff"], TOWN2, department=COUNTY)
    assert staff.scope() == [COUNTY] and beyond([TOWN2], staff) == [COUNTY]
    assert beyond([TOWN], place(["member"], GRID, linked_grids=("/1/9/8/1/",))) == ["/1/9/8/1/"]


# --------------------------------------------------------------------------- imports with a scope


@pytest.fixture
def factory(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'grids.db'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def scoped_import(factory, kind: str, rows: list[list], scope: list[str]) -> ImportInvalid:
    """Import `rows` as `kind` with `scope`; the refusal, after checking nothing was written."""
    before = counts(factory)
    with pytest.raises(ImportInvalid) as refused:
        with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
            run_import(uow, kind, f"{kind}.csv", csv_bytes(rows, "utf-8"), scope=scope)
            uow.commit()
    assert counts(factory) == before
    return refused.value


def messages(refused: ImportInvalid) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in refused.errors]


@pytest.fixture
def org(factory):
    """The sample org of test_grids_import, and a second township with a team of its own."""
    import_everything(factory)
    with factory() as session:
        session.add(
            Household(code="HW1", grid_id=unit(factory, "330100102001").id, address="西村1号", head_name="吴")
        )
        session.add(Team(code="TC", name="县组团", org_unit_id=unit(factory, "3301").id))
        session.add(Department(code="DT", name="城关所", org_unit_id=unit(factory, "330100").id))
        session.add(
            Person(code="PW", name="西村干部", phone="13800000009", roles=["village_cadre"],
                   org_unit_id=unit(factory, "330100102").id)
        )  # fmt: skip
        session.commit()
    return {
        code: unit(factory, code).path
        for code in ("3301", "330100", "330100101", "330100102", "330100101001")
    }


def test_household_rows_outside_scope_refuse_the_whole_import(factory, org):
    east = [org["330100101"]]  # the scope of 东村's secretary
    rows = [
        ["户编号", "网格编码", "地址", "户主"],
        ["HN1", "330100101001", "东村9号", "新户"],  # inside: would be fine alone
        ["HN2", "330100102001", "西村9号", "外户"],  # the sibling village's grid
        ["HW1", "330100101001", "东村8号", "吴"],  # moves a household in from the sibling village
    ]
    refused = scoped_import(factory, "households", rows, east)
    assert messages(refused) == [
        (3, "网格编码", "网格“330100102001”不在您的管辖范围内"),
        (4, "户编号", "户“HW1”现所在网格不在您的管辖范围内"),
    ]
    # a household moved out of scope is refused on its new grid
    refused = scoped_import(factory, "households", [rows[0], ["H001", "330100102001", "西村", "孙一"]], east)
    assert messages(refused) == [(2, "网格编码", "网格“330100102001”不在您的管辖范围内")]
    # and the same file inside scope goes through
    report = do(factory, "households", HOUSEHOLDS, east)
    assert (report.rows, report.unchanged) == (2, 2)


def do(factory, kind, content, scope, suffix="csv"):
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        report = run_import(uow, kind, f"{kind}.{suffix}", content, scope=scope)
        uow.commit()
    return report


def test_people_rows_may_not_give_beyond_the_importers_scope(factory, org):
    township = [org["330100"]]
    head = ["编号", "姓名", "手机", "角色", "所属组织编码", "部门编码", "组团编码"]
    rows = [
        head,
        ["N1", "新居民", "13800000011", "居民", "330100101001", "", ""],  # inside
        ["N2", "县管理员", "13800000012", "county_admin", "3301", "", ""],
        ["N3", "县局科员", "13800000013", "部门工作人员", "330100", "D01", ""],  # D01 is the county's
        ["N4", "县组团干部", "13800000014", "组团干部", "330100", "", "TC"],  # TC's place is the county
        ["N5", "镇所科员", "13800000015", "部门工作人员", "330100", "DT", ""],  # inside
    ]
    refused = scoped_import(factory, "people", rows, township)
    assert [(row, column) for row, column, _ in messages(refused)] == [
        (3, "所属组织编码"),
        (4, "所属组织编码"),
        (5, "所属组织编码"),
    ]
    assert all("超出您的管辖范围" in m for _, _, m in messages(refused))

    east = [org["330100101"]]
    moves = [
        head,
        ["PW", "西村干部", "13800000009", "村两委干部", "330100101", "", ""],  # moved in from 西村
        ["P001", "张书记", "13800000001", "镇街分管领导", "330100", "", ""],  # promoted out of 东村
    ]
    refused = scoped_import(factory, "people", moves, east)
    assert messages(refused)[0] == (2, "编号", "人员“PW”超出您的管辖范围")
    assert messages(refused)[1][:2] == (3, "所属组织编码")
    with factory() as session:
        moved = session.scalars(select(Person).where(Person.code.in_(["PW", "P001"]))).all()
        assert {p.code: p.roles for p in moved} == {
            "PW": ["village_cadre"],
            "P001": ["village_secretary", "member"],
        }


def test_tree_and_link_rows_outside_scope_are_row_errors(factory, org):
    east = [org["330100101"]]
    tree = [
        ["编码", "名称", "层级", "上级编码"],
        ["330100101009", "东村九网格", "网格", "330100101"],  # inside
        ["330100102009", "西村九网格", "网格", "330100102"],  # under the sibling village
        ["330100102", "西村(改名)", "村", "330100"],  # renames the sibling village
    ]
    refused = scoped_import(factory, "tree", tree, east)
    assert messages(refused) == [
        (3, "上级编码", "上级组织“330100102”不在您的管辖范围内"),
        (4, "编码", "组织“330100102”不在您的管辖范围内"),
    ]
    links = [
        ["类型", "联系人编号", "对象编码"],
        ["两委联格", "PW", "330100102001"],  # the sibling village's cadre and grid
        ["组团联村", "T01", "330100101"],  # T01 sits on the township, above the importer
        ["党员联户", "P003", "HW1"],  # a household of the sibling village
    ]
    refused = scoped_import(factory, "links", links, east)
    assert [(row, column) for row, column, _ in messages(refused)] == [
        (2, "对象编码"),
        (3, "联系人编号"),
        (4, "对象编码"),
    ]
    assert do(factory, "tree", TREE, [org["3301"]], "xlsx").unchanged == 7  # the county admin's own tree
