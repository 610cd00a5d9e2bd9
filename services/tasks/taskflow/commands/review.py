"""The township's review of a submitted task: approve, return with a reason, or withdraw."""

from __future__ import annotations

from datetime import datetime

from common.errors import DomainError, conflict, not_found
from common.scope import Actor
from services.tasks.taskflow import domain
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import load_task, place_ids_of, state_conflict, task_event
from services.tasks.taskflow.models import Task
from services.tasks.taskflow.queries import may_see_task


def check_reviewer(actor: Actor, task: Task) -> None:
    actor.require(*domain.REVIEWER_ROLES)
    if not actor.covers(task.org_path):
        raise not_found("任务", "task")


def _review_event(uow, name: str, task: Task, actor: Actor, reason: str | None = None) -> None:
    data = {
        "task_id": task.id,
        "title": task.title,
        "sender_id": task.sender_id,
        "matter_code": task.matter_code,
        "actor_id": actor.id,
        "reason": reason,
        **place_ids_of(task.org_path),
    }
    uow.emit(task_event(name, data, f"tasks/{task.id}", task.org_path))


def approve_task(uow, actor: Actor, task_id: int, now: datetime) -> Task:
    task = load_task(uow.session, task_id)
    check_reviewer(actor, task)
    if task.status != "pending_review":
        raise state_conflict(task, "不能审核通过", "it cannot be approved")
    before, task.status = task.status, "approved"
    task.reviewed_at, task.reviewer_id = now, actor.id
    _review_event(uow, "task.approved", task, actor)
    # approving a task the negative list held is the reviewer's recorded decision to override it
    flagged = [r.get("rule_id") or r["kind"] for r in task.screening_reasons or []]
    detail = {"overrides": flagged} if flagged else None
    write_ledger(
        uow.session,
        [ledger_row(now, actor, "approved", task.org_path, task.id, None, before, "approved", detail)],
    )
    return task


def return_task(uow, actor: Actor, task_id: int, reason: str, now: datetime) -> Task:
    task = load_task(uow.session, task_id)
    check_reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise state_conflict(task, "不能退回", "it cannot be returned")
    before, task.status = task.status, "returned"
    task.review_reason, task.reviewed_at, task.reviewer_id = reason, now, actor.id
    _review_event(uow, "task.returned", task, actor, reason)
    write_ledger(
        uow.session,
        [
            ledger_row(
                now, actor, "returned", task.org_path, task.id, None, before, "returned", {"reason": reason}
            )
        ],
    )
    return task


def withdraw_task(uow, actor: Actor, task_id: int, reason: str, now: datetime) -> Task:
    """The sender takes back a task nobody acted on yet (waiting for its code or for review);
    a county admin over it may too. It stops being open work (多头派单), and the reviewers who
    had it in their inbox are told (notify: `task.withdrawn`)."""
    task = load_task(uow.session, task_id)
    sender = task.sender_id == actor.id
    admin = actor.has("county_admin") and actor.covers(task.org_path)
    if not (sender or admin):
        if not may_see_task(actor, task):
            raise not_found("任务", "task")
        raise DomainError("forbidden")
    try:
        domain.check_withdraw(task.status)
    except domain.TransitionError as exc:
        raise conflict(exc.message, exc.message_en) from exc
    before, task.status = task.status, "withdrawn"
    data = {
        "task_id": task.id,
        "title": task.title,
        "matter_code": task.matter_code,
        "sender_id": task.sender_id,
        "actor_id": actor.id,
        "from_status": before,
        "reason": reason or None,
        **place_ids_of(task.org_path),
    }
    uow.emit(task_event("task.withdrawn", data, f"tasks/{task.id}", task.org_path))
    write_ledger(
        uow.session,
        [
            ledger_row(
                now, actor, "withdrawn", task.org_path, task.id, None, before, "withdrawn", {"reason": reason}
            )
        ],
    )
    return task
