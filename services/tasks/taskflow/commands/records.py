"""What every taskflow use case shares: the grids look-up it is handed, loading a task and its
targets, the refusals it raises and the shape of the events it emits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from sqlalchemy import select

from common.errors import DomainError, conflict, not_found
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Task, TaskTarget


class Org(Protocol):
    """Look-ups in grids (one RPC each, never one per item)."""

    def units(self, ids: list[int]) -> list[dict]: ...

    def subtree(self, unit_id: int) -> list[dict]: ...

    def responsible_for_grid(self, grid_id: int) -> dict: ...

    def person(self, person_id: int) -> dict | None:
        """Roles and place of a person the caller may read (None otherwise)."""
        ...


def state_conflict(task: Task, cannot_zh: str, cannot_en: str) -> DomainError:
    return conflict(
        f"任务当前状态为“{domain.TASK_STATUS_LABELS[task.status]}”,{cannot_zh}",
        f"The task is {domain.TASK_STATUS_EN[task.status]}: {cannot_en}",
    )


def task_event(name: str, data: dict, subject: str, org_path: str) -> DomainEvent:
    return DomainEvent(service="tasks", name=name, data=data, subject=subject, org_path=org_path)


def place_ids_of(path: str) -> dict:
    ids = domain.ids_of(path)
    # the county's id too: a task across townships is the county's to review
    return {key: ids[key] for key in ("county_id", "township_id", "village_id", "grid_id")}


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def load_task(session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("任务", "task")
    return task


def targets_of(session, task: Task) -> list[TaskTarget]:
    return list(
        session.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id).order_by(TaskTarget.id))
    )


def is_sender(actor: Actor, task: Task) -> bool:
    return task.sender_id == actor.id or (
        actor.has("department_staff")
        and actor.department_id is not None
        and task.sender_department_id == actor.department_id
    )


def utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
