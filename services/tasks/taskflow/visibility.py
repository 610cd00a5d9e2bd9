"""Who sees a task and an assignment: one policy each, giving both the SQL filter of the
lists and the check on a loaded row (tests/unit/test_taskflow_visibility.py runs both)."""

from __future__ import annotations

from common import roles
from common.scope import Actor
from common.storage import in_scope
from common.visibility import Clause, Policy, always
from services.tasks.taskflow.models import Assignment, Task


def _in_department(actor: Actor) -> bool:
    return actor.has("department_staff") and actor.department_id is not None


def _reviewer(actor: Actor) -> bool:
    return actor.has(*roles.TOWNSHIP)


# everyone who reads assignments by place, but department staff (who read their own tasks')
_PLACE_READERS = tuple(r for r in roles.TASK_READERS if r != "department_staff")


def _place_reader(actor: Actor) -> bool:
    return actor.has(*_PLACE_READERS)


# a task: its sender, the sender's department, and reviewers over its place
TASKS = Policy(
    "task",
    Clause(always, lambda actor: Task.sender_id == actor.id, lambda actor, t: t.sender_id == actor.id),
    Clause(
        _in_department,
        lambda actor: Task.sender_department_id == actor.department_id,
        lambda actor, t: t.sender_department_id == actor.department_id,
    ),
    Clause(
        _reviewer,
        lambda actor: in_scope(Task.org_path, actor.scope),
        lambda actor, t: actor.covers(t.org_path),
    ),
)

# an assignment (a row is the assignment with its task): whoever holds it, the task's sender
# and the sender's department, and the readers of its village's place
ASSIGNMENTS = Policy(
    "assignment",
    Clause(
        always,
        lambda actor: Assignment.assignee_id == actor.id,
        lambda actor, row: row[0].assignee_id == actor.id,
    ),
    Clause(always, lambda actor: Task.sender_id == actor.id, lambda actor, row: row[1].sender_id == actor.id),
    Clause(
        _in_department,
        lambda actor: Task.sender_department_id == actor.department_id,
        lambda actor, row: row[1].sender_department_id == actor.department_id,
    ),
    Clause(
        _place_reader,
        lambda actor: in_scope(Assignment.org_path, actor.scope),
        lambda actor, row: actor.covers(row[0].org_path),
    ),
)
