"""The figures the articles quote, on a generated county whose figures are known by
construction (SQLite and PostgreSQL): tasks reaching villages fall by a planted share,
screening rejections are counted since the start, hard matters close faster and more often
after the start, fewer small matters are escalated, department dispatch and 五议两公开 count."""

import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from common.scope import Actor
from common.xlsx import write_workbook
from services.tasks import models
from services.tasks.fieldwork.models import Matter
from services.tasks.figures import domain
from services.tasks.figures.queries import seed_figures
from services.tasks.procedures.models import Procedure, Template
from services.tasks.taskflow.models import Assignment, Task
from tests.conftest import make_uow_factory

TOWNSHIP = "/1/2/"
VILLAGES = {v: f"/1/2/{v}/" for v in range(10, 20)}
OUTSIDE = "/1/3/30/"  # another township: never counted
LEADER = Actor(1, "镇领导", frozenset({"township_leader"}), 2, None, (TOWNSHIP,))
BEFORE, NOW = ("2025-01", "2025-06"), ("2025-07", "2025-12")  # the start is 2025-07


def at(month: str, day: int = 10) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), day, 2, tzinfo=UTC)


def months(span):
    y, m = int(span[0][:4]), int(span[0][5:])
    out = []
    while f"{y}-{m:02d}" <= span[1]:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def county(session, rnd):
    """Plant a county: every figure below is known from these counts."""
    plan = {"before_tasks": 60, "now_tasks": 40, "rejected_now": 7, "rejected_before": 5}

    def task(month, status="dispatched", path=TOWNSHIP):
        t = Task(
            title="任务",
            matter_code="PA001",
            status=status,
            reject_reason="unknown_code" if status == "rejected" else None,
            sender_id=99,
            org_path=path,
            deadline=date(2026, 1, 1),
            received_at=at(month),
            received_month=month,
        )
        session.add(t)
        session.flush()
        return t

    for span, n in ((BEFORE, plan["before_tasks"]), (NOW, plan["now_tasks"])):
        for i in range(n):
            month = rnd.choice(months(span))
            t = task(month)
            village = 10 + i % 10
            session.add(
                Assignment(
                    task_id=t.id,
                    matter_code="PA001",
                    title="任务",
                    township_id=2,
                    village_id=village,
                    org_path=VILLAGES[village],
                    status="dispatched",
                    deadline=date(2026, 1, 1),
                    dispatched_at=at(month),
                    dispatched_month=month,
                )
            )
    for span, n in ((BEFORE, plan["rejected_before"]), (NOW, plan["rejected_now"])):
        for _ in range(n):
            task(rnd.choice(months(span)), "rejected")
    task("2025-08", "rejected", OUTSIDE)  # outside the township

    def matter(month, *, hard, resolved_days=None, department=False, path=None):
        created = at(month, 5)
        session.add(
            Matter(
                title="事项",
                source="grid",
                level="department" if department else ("village" if hard else "grid"),
                status="resolved" if resolved_days is not None else "open",
                org_path=path or VILLAGES[rnd.choice(list(VILLAGES))] + "100/",
                month=month,
                escalated=hard,
                department_id=5 if department else None,
                created_at=created,
                resolved_at=created + timedelta(days=resolved_days) if resolved_days is not None else None,
            )
        )

    # before: 20 hard matters, 9 resolved in 7 days each; 50 reported, so 20/50 escalated
    for _ in range(9):
        matter("2025-03", hard=True, resolved_days=7)
    for _ in range(11):
        matter("2025-04", hard=True)
    for _ in range(30):
        matter("2025-02", hard=False, resolved_days=1)
    # now: 10 hard matters, all resolved in 3 days, 4 of them by a department; 50 reported, 10/50 escalated
    for i in range(10):
        matter("2025-09", hard=True, resolved_days=3, department=i < 4)
    for _ in range(40):
        matter("2025-10", hard=False, resolved_days=1)
    matter("2025-10", hard=True, path=OUTSIDE + "300/")  # outside

    template = Template(code="WYLGK", name="五议两公开", steps=[])
    session.add(template)
    session.flush()
    for i, (code, month) in enumerate(
        [("WYLGK", "2025-08")] * 3 + [("LXHY", "2025-09"), ("WYLGK", "2025-03")]
    ):
        session.add(
            Procedure(
                template_id=template.id,
                template_code=code,
                template_version=1,
                title="程序",
                village_id=10 + i,
                township_id=2,
                org_path=VILLAGES[10 + i],
                status="completed",
                current_step=1,
                started_by=1,
                started_at=at(month, 1),
                completed_at=at(month, 20),
            )
        )
    return plan


@pytest.fixture
def uow(any_database):
    return make_uow_factory(any_database("tasks"), models)


def test_the_articles_figures_from_a_generated_county(uow):
    with uow() as u:
        plan = county(u.session, random.Random(7))
        u.commit()
    with uow() as u:
        f = seed_figures(u.session, LEADER, TOWNSHIP, *NOW)
    assert (f["before_start"], f["before_end"]) == BEFORE
    assert f["screening_rejections"] == plan["rejected_now"]  # since 2025-07, this township only
    assert f["tasks_to_villages"] == {"now": 40, "before": 60, "change": round((40 - 60) / 60, 4)}
    hard = f["hard_matters"]
    assert hard["before"] == {
        "hard": 20,
        "hard_resolved": 9,
        "completion_rate": 0.45,
        "avg_days_to_close": 7.0,
    }
    assert hard["now"] == {"hard": 10, "hard_resolved": 10, "completion_rate": 1.0, "avg_days_to_close": 3.0}
    small = f["small_matters"]
    assert small["before"] == {"reported": 50, "escalated": 20, "escalation_rate": 0.4}
    assert small["now"] == {"reported": 50, "escalated": 10, "escalation_rate": 0.2}
    assert small["change"] == -0.5  # 小微事项上报率下降 50%
    assert f["department_dispatch_resolved"] == 4
    assert f["procedures_completed"] == {"WYLGK": 3, "LXHY": 1}

    # one village: only its own share
    with uow() as u:
        v = seed_figures(u.session, LEADER, VILLAGES[10], *NOW)
    assert v["tasks_to_villages"]["now"] == 4 and v["procedures_completed"] == {"WYLGK": 1}

    # the report a county office takes to a meeting
    rows = domain.report_rows(f)
    book = load_workbook(io.BytesIO(write_workbook("figures", ["指标", "本期", "上期", "变化"], rows)))
    sheet = {r[0].value: [c.value for c in r[1:]] for r in book.active.iter_rows(min_row=2)}
    assert sheet["下村进社任务(单)"] == ["40", "60", "-33.3%"]
    assert sheet["难事办结率"][:2] == ["100.0%", "45.0%"]
    assert sheet["难事平均办结天数"][:2] == ["3.0", "7.0"]
    assert sheet["小微事项上报率"] == ["20.0%", "40.0%", "-50.0%"]
    assert sheet["规范执行“五议两公开”(件)"][0] == "3"
