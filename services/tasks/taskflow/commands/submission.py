"""Sending a task down: screening against the catalogue and the negative list, overlap with
work already open, coding, and editing before dispatch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from common.errors import DomainError, conflict, not_found
from common.scope import Actor, common_path
from services.tasks.taskflow import content_check, domain
from services.tasks.taskflow.commands.catalogue import current_matter
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import (
    Org,
    is_sender,
    iso,
    load_task,
    place_ids_of,
    state_conflict,
    targets_of,
    task_event,
)
from services.tasks.taskflow.commands.review import check_reviewer
from services.tasks.taskflow.commands.stored_places import places
from services.tasks.taskflow.models import Assignment, Matter, Place, Task, TaskTarget


def _open_work(
    session, matter_code: str, exclude_task: int | None
) -> list[tuple[Task, list[tuple[str, str]]]]:
    """Every open piece of work on this matter, with the places it still reaches: a task not
    dispatched yet reaches its targets; a dispatched one its open assignments and the target
    villages it has not dispatched to yet. Three queries, whatever the number of tasks."""
    query = select(Task).where(Task.matter_code == matter_code, Task.status.in_(domain.OPEN_TASK_STATUSES))
    if exclude_task is not None:
        query = query.where(Task.id != exclude_task)
    tasks = session.scalars(query).all()
    reach: dict[int, list[tuple[str, str]]] = {t.id: [] for t in tasks}
    dispatched = [t.id for t in tasks if t.status == "dispatched"]
    waiting = [t.id for t in tasks if t.status != "dispatched"]
    if dispatched:
        for task_id, path, name in session.execute(
            select(Assignment.task_id, Assignment.org_path, Assignment.village_name)
            .where(Assignment.task_id.in_(dispatched), Assignment.status != "accepted")
            .order_by(Assignment.id)
        ):
            reach[task_id].append((path, name))
    if waiting:
        for task_id, path, name in session.execute(
            select(TaskTarget.task_id, TaskTarget.path, TaskTarget.name).where(
                TaskTarget.task_id.in_(waiting)
            )
        ):
            reach[task_id].append((path, name))
    for task in tasks:
        if task.status == "dispatched":
            reach[task.id] += [
                (v["path"], v["village_name"]) for v in task.undispatched or [] if v.get("path")
            ]
    return [(task, reach[task.id]) for task in tasks]


def find_overlaps(session, matter_code: str, paths: list[str], exclude_task: int | None = None) -> list[dict]:
    """The open work on the same matter for the same villages as `paths`, whatever either's
    targets (a township, several villages, one village), naming the task and the places."""
    found = []
    for task, reach in _open_work(session, matter_code, exclude_task):
        places_ = [name for path, name in reach if any(domain.reach_overlaps(path, p) for p in paths)]
        if places_:
            found.append({"task_id": task.id, "title": task.title, "places": list(dict.fromkeys(places_))})
    return found


def _screen(
    session, task: Task, code: str, targets: list[Place], matter: Matter | None = None
) -> tuple[Matter | None, str | None]:
    matter = matter or current_matter(session, code)
    rule = (
        domain.MatterRule(
            code=matter.code, levels=tuple(matter.levels), retired=matter.retired_at is not None
        )
        if matter
        else None
    )
    duplicates = (
        find_overlaps(session, code, [t.path for t in targets], task.id)
        if rule and not rule.retired and domain.levels_allowed(rule, [t.level for t in targets])
        else []
    )
    task.overlaps = duplicates or None
    return matter, domain.screen(rule, [t.level for t in targets], duplicates)


def _task_event_data(task: Task, targets: list[int]) -> dict:
    return {
        "task_id": task.id,
        "title": task.title,
        "matter_code": task.matter_code,
        "sender_id": task.sender_id,
        "sender_unit_id": task.sender_unit_id,
        "sender_department_id": task.sender_department_id,
        "target_ids": targets,
        "deadline": iso(task.deadline),
        "negative_rules": [r["rule_id"] for r in task.screening_reasons or [] if r.get("rule_id")],
        "code_mismatch": bool(task.code_mismatch),
        **place_ids_of(task.org_path),
    }


def _flag_ledger(session, actor: Actor, task: Task, now: datetime) -> None:
    """A ledger row naming what content screening found, when it found anything."""
    if task.screening_reasons:
        detail = {"reasons": [r["message"] for r in task.screening_reasons]}
        write_ledger(
            session, [ledger_row(now, actor, "content_flagged", task.org_path, task.id, detail=detail)]
        )


def _apply_screening(
    uow, actor: Actor, task: Task, matter: Matter | None, reason: str | None, now, target_ids
):
    """Record the outcome of screening a coded task: received, or rejected with its reason."""
    session = uow.session
    before = task.status
    if matter is not None:
        task.matter_id = matter.id
        task.major = matter.major
    if reason:
        task.status = "rejected"
        task.reject_reason = reason
        label = (
            domain.overlap_label(task.overlaps) if reason == "duplicate" else domain.REJECT_REASONS[reason]
        )
        data = _task_event_data(task, target_ids) | {
            "reason": reason,
            "reason_label": label,
            "overlaps": task.overlaps or [],
        }
        uow.emit(task_event("task.rejected", data, f"tasks/{task.id}", task.org_path))
        action, detail = "rejected", {"reason": reason, "reason_label": label}
    else:
        task.status = "pending_review"
        uow.emit(
            task_event("task.received", _task_event_data(task, target_ids), f"tasks/{task.id}", task.org_path)
        )
        action, detail = "received", {"matter_code": task.matter_code, "matter_version": matter.version}
    write_ledger(
        session,
        [ledger_row(now, actor, action, task.org_path, task.id, None, before, task.status, detail)],
    )


def submit_task(uow, actor: Actor, data: dict, org: Org, now: datetime) -> Task:
    """A task arrives from a department or township: screened at once (过筛)."""
    actor.require(*domain.SENDER_ROLES)
    if data.get("deadline") is not None:
        _refuse_past(data["deadline"], now)
    session = uow.session
    found = places(session, org, data["target_ids"])
    targets = [found[i] for i in dict.fromkeys(data["target_ids"])]
    bad = [t.name for t in targets if t.level not in domain.LEVELS]
    if bad:
        raise DomainError(
            "validation_failed", fields={"target_ids": [f"只能派往乡镇、村或网格:{'、'.join(bad)}"]}
        )
    for target in targets:
        actor.require_scope(target.path)
    code = data.get("matter_code")
    matter = current_matter(session, code) if code else None
    days = matter.default_days if matter else 7
    task = Task(
        title=data["title"],
        content=data.get("content") or "",
        matter_code=code,
        status="needs_code",
        sender_id=actor.id,
        sender_name=actor.name,
        sender_unit_id=actor.org_unit_id,
        sender_department_id=actor.department_id,
        org_path=common_path([t.path for t in targets]),
        deadline=data.get("deadline") or domain.default_deadline(now, days),
        received_at=now,
        received_month=domain.local_month(now),
        suggestions=[],
    )
    session.add(task)
    session.flush()
    session.execute(
        insert(TaskTarget),
        [
            {"task_id": task.id, "org_unit_id": t.id, "level": t.level, "name": t.name, "path": t.path}
            for t in targets
        ],
    )
    target_ids = [t.id for t in targets]
    content_check.screen_content(session, task)
    _flag_ledger(session, actor, task, now)
    if code:
        matter, reason = _screen(session, task, code, targets, matter)
        _apply_screening(uow, actor, task, matter, reason, now, target_ids)
    else:
        # never accepted automatically: the sender picks one of the suggestions (or none fits)
        task.suggestions = content_check.suggestions(session, task)
        write_ledger(
            session,
            [
                ledger_row(
                    now,
                    actor,
                    "needs_code",
                    task.org_path,
                    task.id,
                    None,
                    None,
                    "needs_code",
                    {"suggestions": [s["code"] for s in task.suggestions]},
                )
            ],
        )
    return task


def code_task(uow, actor: Actor, task_id: int, code: str, now: datetime) -> Task:
    """The sender supplies the screening code for a task that came without one."""
    session = uow.session
    task = load_task(session, task_id)
    if not is_sender(actor, task):
        raise not_found("任务", "task")
    if task.status != "needs_code":
        raise state_conflict(task, "不需要补录过筛编码", "it needs no screening code")
    targets = targets_of(session, task)
    places_ = [Place(id=t.org_unit_id, level=t.level, name=t.name, path=t.path) for t in targets]
    task.matter_code = code
    content_check.check_code(session, task)
    if task.code_mismatch:
        _flag_ledger(session, actor, task, now)
    matter, reason = _screen(session, task, code, places_)
    if matter is not None and reason is None and task.deadline is None:
        task.deadline = domain.default_deadline(now, matter.default_days)
    _apply_screening(uow, actor, task, matter, reason, now, [t.org_unit_id for t in targets])
    return task


def _refuse_past(deadline, now: datetime) -> None:
    # A deadline is a day in Beijing time: today is still ahead, yesterday is not.
    if deadline < domain.local_date(now):
        raise DomainError("validation_failed", fields={"deadline": ["期限不能早于今天"]})


def edit_task(uow, actor: Actor, task_id: int, data: dict, org: Org, now: datetime) -> Task:
    """The reviewer changes targets or deadline before dispatch; new targets are re-checked."""
    session = uow.session
    task = load_task(session, task_id)
    check_reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise state_conflict(task, "不能修改", "it cannot be changed")
    detail: dict = {}
    if "deadline" in data:
        _refuse_past(data["deadline"], now)
        detail["deadline"] = {"from": iso(task.deadline), "to": iso(data["deadline"])}
        task.deadline = data["deadline"]
    if "target_ids" in data:
        found = places(session, org, data["target_ids"])
        targets = [found[i] for i in dict.fromkeys(data["target_ids"])]
        for target in targets:
            actor.require_scope(target.path)
        matter = session.get(Matter, task.matter_id)
        rule = domain.MatterRule(matter.code, tuple(matter.levels), False)
        if not domain.levels_allowed(rule, [t.level for t in targets]):
            raise conflict(
                domain.REJECT_REASONS["level_not_allowed"], domain.REJECT_REASONS_EN["level_not_allowed"]
            )
        overlaps = find_overlaps(session, task.matter_code, [t.path for t in targets], task.id)
        if overlaps:
            raise conflict(domain.overlap_label(overlaps), overlap_en(overlaps))
        old = [t.org_unit_id for t in targets_of(session, task)]
        for row in targets_of(session, task):
            session.delete(row)
        session.flush()
        session.execute(
            insert(TaskTarget),
            [
                {"task_id": task.id, "org_unit_id": t.id, "level": t.level, "name": t.name, "path": t.path}
                for t in targets
            ],
        )
        task.org_path = common_path([t.path for t in targets])
        actor.require_scope(task.org_path)
        detail["target_ids"] = {"from": old, "to": [t.id for t in targets]}
    uow.emit(
        task_event(
            "task.updated",
            {"task_id": task.id, "matter_code": task.matter_code, "actor_id": actor.id, "changes": detail}
            | place_ids_of(task.org_path),
            f"tasks/{task.id}",
            task.org_path,
        )
    )
    write_ledger(
        session,
        [ledger_row(now, actor, "edited", task.org_path, task.id, None, task.status, task.status, detail)],
    )
    return task


def overlap_en(overlaps: list[dict]) -> str:
    named = "; ".join(f"task {o['task_id']} ({', '.join(o['places'])})" for o in overlaps)
    return f"The same matter is already open for these villages: {named}"
