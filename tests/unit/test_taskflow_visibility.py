"""Each visibility policy gives the same answer in SQL and on a loaded row (issue 16 part 3):
for random actors (any roles, department, scope) over a fixed mix of tasks and assignments
across a small org tree, the rows the SQL filter selects are exactly those `allows` admits."""

import random
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from common import roles
from common.scope import Actor
from services.tasks.taskflow.models import Assignment, Base, Task
from services.tasks.taskflow.visibility import ASSIGNMENTS, TASKS

PATHS = ["/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/", "/1/2/5/", "/1/6/", "/1/6/7/", "/1/6/7/8/", "/1/22/"]
NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[Task.__table__, Assignment.__table__])
    pick = random.Random(7)
    with Session(engine) as s:
        for task_id in range(1, 41):
            s.add(
                Task(
                    id=task_id,
                    title=f"任务{task_id}",
                    status="dispatched",
                    sender_id=pick.randint(1, 6),
                    sender_department_id=pick.choice([None, 1, 2]),
                    org_path=pick.choice(PATHS[:6]),
                    deadline=date(2026, 4, 1),
                    received_month="2026-03",
                )
            )
        for a_id in range(1, 101):
            s.add(
                Assignment(
                    id=a_id,
                    task_id=pick.randint(1, 40),
                    matter_code="M",
                    title="派单",
                    village_id=a_id,  # one assignment per task and village
                    org_path=pick.choice(PATHS),
                    assignee_id=pick.choice([None, 1, 2, 3, 4, 5, 6]),
                    status="claimed",
                    deadline=date(2026, 4, 1),
                    dispatched_at=NOW,
                    dispatched_month="2026-03",
                )
            )
        s.commit()
        yield s


actors = st.builds(
    Actor,
    id=st.integers(1, 6),
    name=st.just("某人"),
    roles=st.frozensets(st.sampled_from(roles.ROLES), max_size=3),
    org_unit_id=st.none(),
    department_id=st.sampled_from([None, 1, 2]),
    scope=st.lists(st.sampled_from(PATHS), max_size=2).map(tuple),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor=actors)
def test_tasks_sql_and_row_check_agree(session, actor):
    by_sql = set(session.scalars(select(Task.id).where(TASKS.where(actor))))
    by_row = {t.id for t in session.scalars(select(Task)) if TASKS.allows(actor, t)}
    assert by_sql == by_row


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor=actors)
def test_assignments_sql_and_row_check_agree(session, actor):
    joined = select(Assignment.id).join(Task, Task.id == Assignment.task_id)
    by_sql = set(session.scalars(joined.where(ASSIGNMENTS.where(actor))))
    rows = session.execute(select(Assignment, Task).join(Task, Task.id == Assignment.task_id))
    by_row = {a.id for a, t in rows if ASSIGNMENTS.allows(actor, (a, t))}
    assert by_sql == by_row


def test_the_policies_are_not_trivial(session):
    reviewer = Actor(9, "镇领导", frozenset({"township_leader"}), None, None, ("/1/2/",))
    nobody = Actor(99, "居民", frozenset({"resident"}), None, None, ("/1/2/3/4/",))
    seen = set(session.scalars(select(Task.id).where(TASKS.where(reviewer))))
    assert 0 < len(seen) < 40
    assert set(session.scalars(select(Task.id).where(TASKS.where(nobody)))) == set()
