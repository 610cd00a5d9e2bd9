"""Write side of taskflow: each use case checks role and scope, changes rows, writes its
ledger rows and emits its events in the caller's unit of work (the caller commits).

Places (org units) come from grids through an `Org` look-up the entrypoint passes in,
and are kept in `tf_places`, so scope checks afterwards are prefix tests on stored paths.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, insert, select, update

from common.errors import DomainError, conflict, not_found
from common.events import DomainEvent
from common.scope import Actor, common_path
from services.tasks.procedures import chain
from services.tasks.taskflow import content_check, domain
from services.tasks.taskflow.catalogue_default import default_matters
from services.tasks.taskflow.models import (
    Assignment,
    Decision,
    LedgerEntry,
    Matter,
    Place,
    Task,
    TaskTarget,
)

REMIND_DAYS = 1  # a reminder goes out when the deadline is this close (in days)
MATTER_FIELDS = (
    "name",
    "category",
    "levels",
    "department",
    "default_days",
    "major",
    "evidence",
    "keywords",
    "aliases",
    "description",
)


class Org(Protocol):
    """Look-ups in grids (one RPC each, never one per item)."""

    def units(self, ids: list[int]) -> list[dict]: ...

    def subtree(self, unit_id: int) -> list[dict]: ...

    def responsible_for_grid(self, grid_id: int) -> dict: ...


def _conflict(message: str, message_en: str) -> DomainError:
    return conflict(message, message_en)


def _state_conflict(task: Task, cannot_zh: str, cannot_en: str) -> DomainError:
    return conflict(
        f"任务当前状态为“{domain.TASK_STATUS_LABELS[task.status]}”,{cannot_zh}",
        f"The task is {domain.TASK_STATUS_EN[task.status]}: {cannot_en}",
    )


def _event(name: str, data: dict, subject: str, org_path: str) -> DomainEvent:
    return DomainEvent(service="tasks", name=name, data=data, subject=subject, org_path=org_path)


def _place_ids(path: str) -> dict:
    ids = domain.ids_of(path)
    return {"township_id": ids["township_id"], "village_id": ids["village_id"], "grid_id": ids["grid_id"]}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- ledger ------------------------------------------------------------------------------


def ledger_row(
    at: datetime,
    actor: Actor | None,
    action: str,
    org_path: str,
    task_id: int | None,
    assignment_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: dict | None = None,
) -> dict:
    ids = domain.ids_of(org_path)
    row = {
        "at": at,
        "month": domain.local_month(at),
        "actor_id": actor.id if actor else None,
        "actor_name": actor.name if actor else "系统",
        "action": action,
        "task_id": task_id,
        "assignment_id": assignment_id,
        "from_status": from_status,
        "to_status": to_status,
        "org_path": org_path,
        "township_id": ids["township_id"],
        "village_id": ids["village_id"],
        "detail": detail or {},
    }
    row["content"] = domain.canonical(row)
    return row


def write_ledger(session, rows: list[dict]) -> None:
    if rows:
        chain.link(session, "tf", rows)  # each row joins its village's hash chain
        session.execute(insert(LedgerEntry), rows)


# -- places ------------------------------------------------------------------------------


def _store_places(session, units: list[dict]) -> dict[int, Place]:
    known = {
        p.id: p for p in session.scalars(select(Place).where(Place.id.in_([u["id"] for u in units]))) if units
    }
    for unit in units:
        if unit["id"] not in known:
            place = Place(
                id=unit["id"],
                level=unit["level"],
                name=unit["name"],
                code=unit.get("code", ""),
                path=unit["path"],
                parent_id=unit.get("parent_id"),
            )
            session.add(place)
            known[place.id] = place
    return known


def places(session, org: Org, ids: list[int]) -> dict[int, Place]:
    """The places for `ids`, fetched from grids (in one call) only when not yet stored."""
    ids = list(dict.fromkeys(ids))
    found = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update(_store_places(session, org.units(missing)))
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise DomainError(
            "validation_failed", fields={"target_ids": [f"组织不存在:{', '.join(map(str, unknown))}"]}
        )
    return found


def villages_under(session, org: Org, unit_id: int) -> list[Place]:
    units = org.subtree(unit_id)
    stored = _store_places(session, units)
    return [stored[u["id"]] for u in units if u["level"] == "village"]


# -- catalogue ---------------------------------------------------------------------------


def current_matter(session, code: str) -> Matter | None:
    return session.scalar(select(Matter).where(Matter.code == code, Matter.current))


def _new_version(session, actor: Actor | None, code: str, data: dict, now: datetime) -> Matter:
    previous = current_matter(session, code)
    version = 1
    if previous is not None:
        previous.current = False
        version = previous.version + 1
        session.flush()
    matter = Matter(
        code=code,
        version=version,
        current=True,
        created_at=now,
        created_by=actor.id if actor else None,
        **{k: data.get(k, getattr(previous, k, None) if previous else None) for k in MATTER_FIELDS},
    )
    session.add(matter)
    session.flush()
    return matter


def _catalogue_event(uow, matter: Matter, change: str, actor: Actor | None) -> None:
    uow.emit(
        _event(
            "catalogue.changed",
            {
                "code": matter.code,
                "version": matter.version,
                "name": matter.name,
                "change": change,
                "actor_id": actor.id if actor else None,
            },
            f"catalogue/{matter.code}",
            "/",
        )
    )


def create_matter(uow, actor: Actor, data: dict, now: datetime) -> Matter:
    actor.require("county_admin")
    if current_matter(uow.session, data["code"]) is not None:
        raise _conflict(f"事项编码 {data['code']} 已存在", f"Matter code {data['code']} already exists")
    matter = _new_version(uow.session, actor, data["code"], data, now)
    _catalogue_event(uow, matter, "created", actor)
    return matter


def update_matter(uow, actor: Actor, code: str, data: dict, now: datetime) -> Matter:
    actor.require("county_admin")
    previous = current_matter(uow.session, code)
    if previous is None:
        raise not_found("事项", "matter")
    if previous.retired_at is not None:
        raise _conflict("已停用的事项不能修改", "A retired matter cannot be changed")
    matter = _new_version(uow.session, actor, code, data, now)
    _catalogue_event(uow, matter, "updated", actor)
    return matter


def retire_matter(uow, actor: Actor, code: str, now: datetime) -> Matter:
    actor.require("county_admin")
    matter = current_matter(uow.session, code)
    if matter is None:
        raise not_found("事项", "matter")
    if matter.retired_at is not None:
        raise _conflict("该事项已经停用", "The matter is already retired")
    matter.retired_at = now
    _catalogue_event(uow, matter, "retired", actor)
    return matter


def _same(matter: Matter, data: dict) -> bool:
    return all(
        (sorted(getattr(matter, k)) if isinstance(getattr(matter, k), list) else getattr(matter, k))
        == (sorted(data[k]) if isinstance(data[k], list) else data[k])
        for k in MATTER_FIELDS
        if k in data  # a workbook without the newer columns leaves them as they are
    )


def apply_catalogue(uow, actor: Actor | None, rows: list[dict], now: datetime) -> dict:
    """Bring the catalogue to `rows` (code + fields + retired flag): new codes are created,
    changed ones get a new version, retired ones are retired. Idempotent."""
    report = {"created": 0, "updated": 0, "retired": 0, "unchanged": 0}
    session = uow.session
    current = {m.code: m for m in session.scalars(select(Matter).where(Matter.current))}
    for row in rows:
        matter = current.get(row["code"])
        if matter is None:
            matter = _new_version(session, actor, row["code"], row, now)
            _catalogue_event(uow, matter, "created", actor)
            report["created"] += 1
        elif not _same(matter, row) and not row.get("retired"):
            if matter.retired_at is not None:
                report["unchanged"] += 1
                continue
            matter = _new_version(session, actor, row["code"], row, now)
            _catalogue_event(uow, matter, "updated", actor)
            report["updated"] += 1
        elif row.get("retired") and matter.retired_at is None:
            matter.retired_at = now
            _catalogue_event(uow, matter, "retired", actor)
            report["retired"] += 1
        else:
            report["unchanged"] += 1
    return report


def seed_default(uow, now: datetime) -> dict:
    """Load the default catalogue; codes already there are left alone (safe to run again)."""
    session = uow.session
    existing = set(session.scalars(select(Matter.code).distinct()))
    rows = [m for m in default_matters() if m["code"] not in existing]
    report = apply_catalogue(uow, None, rows, now)
    report["unchanged"] = len(default_matters()) - len(rows)
    return report


# -- screening ---------------------------------------------------------------------------


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


def _overlaps(session, matter_code: str, paths: list[str], exclude_task: int | None = None) -> list[dict]:
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
        _overlaps(session, code, [t.path for t in targets], task.id)
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
        "deadline": _iso(task.deadline),
        "negative_rules": [r["rule_id"] for r in task.screening_reasons or [] if r.get("rule_id")],
        "code_mismatch": bool(task.code_mismatch),
        **_place_ids(task.org_path),
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
        uow.emit(_event("task.rejected", data, f"tasks/{task.id}", task.org_path))
        action, detail = "rejected", {"reason": reason, "reason_label": label}
    else:
        task.status = "pending_review"
        uow.emit(
            _event("task.received", _task_event_data(task, target_ids), f"tasks/{task.id}", task.org_path)
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


def _task(session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("任务", "task")
    return task


def _targets(session, task: Task) -> list[TaskTarget]:
    return list(
        session.scalars(select(TaskTarget).where(TaskTarget.task_id == task.id).order_by(TaskTarget.id))
    )


def _is_sender(actor: Actor, task: Task) -> bool:
    return task.sender_id == actor.id or (
        actor.has("department_staff")
        and actor.department_id is not None
        and task.sender_department_id == actor.department_id
    )


def code_task(uow, actor: Actor, task_id: int, code: str, now: datetime) -> Task:
    """The sender supplies the screening code for a task that came without one."""
    session = uow.session
    task = _task(session, task_id)
    if not _is_sender(actor, task):
        raise not_found("任务", "task")
    if task.status != "needs_code":
        raise _state_conflict(task, "不需要补录过筛编码", "it needs no screening code")
    targets = _targets(session, task)
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


# -- review ------------------------------------------------------------------------------


def _reviewer(actor: Actor, task: Task) -> None:
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
        **_place_ids(task.org_path),
    }
    uow.emit(_event(name, data, f"tasks/{task.id}", task.org_path))


def approve_task(uow, actor: Actor, task_id: int, now: datetime) -> Task:
    task = _task(uow.session, task_id)
    _reviewer(actor, task)
    if task.status != "pending_review":
        raise _state_conflict(task, "不能审核通过", "it cannot be approved")
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
    task = _task(uow.session, task_id)
    _reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise _state_conflict(task, "不能退回", "it cannot be returned")
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


def _refuse_past(deadline, now: datetime) -> None:
    # A deadline is a day in Beijing time: today is still ahead, yesterday is not.
    if deadline < domain.local_date(now):
        raise DomainError("validation_failed", fields={"deadline": ["期限不能早于今天"]})


def edit_task(uow, actor: Actor, task_id: int, data: dict, org: Org, now: datetime) -> Task:
    """The reviewer changes targets or deadline before dispatch; new targets are re-checked."""
    session = uow.session
    task = _task(session, task_id)
    _reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise _state_conflict(task, "不能修改", "it cannot be changed")
    detail: dict = {}
    if "deadline" in data:
        _refuse_past(data["deadline"], now)
        detail["deadline"] = {"from": _iso(task.deadline), "to": _iso(data["deadline"])}
        task.deadline = data["deadline"]
    if "target_ids" in data:
        found = places(session, org, data["target_ids"])
        targets = [found[i] for i in dict.fromkeys(data["target_ids"])]
        for target in targets:
            actor.require_scope(target.path)
        matter = session.get(Matter, task.matter_id)
        rule = domain.MatterRule(matter.code, tuple(matter.levels), False)
        if not domain.levels_allowed(rule, [t.level for t in targets]):
            raise _conflict(
                domain.REJECT_REASONS["level_not_allowed"], domain.REJECT_REASONS_EN["level_not_allowed"]
            )
        overlaps = _overlaps(session, task.matter_code, [t.path for t in targets], task.id)
        if overlaps:
            raise _conflict(domain.overlap_label(overlaps), _overlap_en(overlaps))
        old = [t.org_unit_id for t in _targets(session, task)]
        for row in _targets(session, task):
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
        _event(
            "task.updated",
            {"task_id": task.id, "matter_code": task.matter_code, "actor_id": actor.id, "changes": detail}
            | _place_ids(task.org_path),
            f"tasks/{task.id}",
            task.org_path,
        )
    )
    write_ledger(
        session,
        [ledger_row(now, actor, "edited", task.org_path, task.id, None, task.status, task.status, detail)],
    )
    return task


def record_decision(uow, actor: Actor, task_id: int, data: dict, now: datetime) -> Decision:
    session = uow.session
    task = _task(session, task_id)
    _reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise _state_conflict(task, "不能记录集体讨论", "no collective decision can be recorded")
    if data["meeting_date"] > domain.local_date(now):
        raise DomainError("validation_failed", fields={"meeting_date": ["会议日期不能晚于今天"]})
    decision = Decision(
        task_id=task.id,
        meeting_date=data["meeting_date"],
        attendees=data["attendees"],
        decision=data["decision"],
        minutes=data["minutes"],
        recorded_by=actor.id,
        recorded_at=now,
    )
    session.add(decision)
    session.flush()
    uow.emit(
        _event(
            "task.decision_recorded",
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "actor_id": actor.id,
                "meeting_date": _iso(decision.meeting_date),
                "attendees": len(decision.attendees),
            }
            | _place_ids(task.org_path),
            f"tasks/{task.id}",
            task.org_path,
        )
    )
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "decision_recorded",
                task.org_path,
                task.id,
                None,
                task.status,
                task.status,
                {
                    "meeting_date": _iso(decision.meeting_date),
                    "attendees": decision.attendees,
                    "decision": decision.decision,
                    "minutes": decision.minutes,
                },
            )
        ],
    )
    return decision


def latest_decision(session, task_id: int) -> Decision | None:
    return session.scalar(
        select(Decision).where(Decision.task_id == task_id).order_by(Decision.id.desc()).limit(1)
    )


# -- dispatch ----------------------------------------------------------------------------


def _all_target_villages(session, org: Org, targets: list[TaskTarget]) -> list[tuple[Place, int | None]]:
    """Every village the task's targets reach: a township's villages, a village, a grid's village."""
    chosen: list[tuple[Place, int | None]] = []
    for target in targets:
        if target.level == "township":
            chosen += [(v, None) for v in villages_under(session, org, target.org_unit_id)]
        elif target.level == "village":
            chosen.append(
                (Place(id=target.org_unit_id, level="village", name=target.name, path=target.path), None)
            )
        else:
            village_id = domain.ids_of(target.path)["village_id"]
            village = places(session, org, [village_id])[village_id]
            chosen.append((village, target.org_unit_id))
    return chosen


def _overlap_en(overlaps: list[dict]) -> str:
    named = "; ".join(f"task {o['task_id']} ({', '.join(o['places'])})" for o in overlaps)
    return f"The same matter is already open for these villages: {named}"


def _undispatched(all_villages: list[tuple[Place, int | None]], dispatched: set[int]) -> list[dict]:
    return [
        {
            "village_id": v.id,
            "village_name": v.name,
            "township_id": domain.ids_of(v.path)["township_id"],
            "path": v.path,
        }
        for v, _ in {v.id: (v, g) for v, g in all_villages}.values()
        if v.id not in dispatched
    ]


def _dispatch_villages(session, org: Org, task: Task, data: dict) -> list[tuple[Place, int | None]]:
    """(village, grid id or None) pairs to dispatch to, each inside the task's targets."""
    targets = _targets(session, task)
    by_id = {t.org_unit_id: t for t in targets}
    if "village_ids" in data:
        chosen = [(v, None) for v in places(session, org, data["village_ids"]).values()]
    elif "org_unit_id" in data:
        chosen = [(v, None) for v in villages_under(session, org, data["org_unit_id"])]
    else:
        chosen = _all_target_villages(session, org, targets)
    result: dict[int, tuple[Place, int | None]] = {}
    for village, grid_id in chosen:
        if village.level != "village":
            raise DomainError("validation_failed", fields={"village_ids": [f"{village.name}不是村(社区)"]})
        covered = village.id in by_id or any(
            village.path.startswith(t.path) for t in targets if t.level == "township"
        )
        if grid_id is None and not covered:
            grid_target = next(
                (t for t in targets if t.level == "grid" and t.path.startswith(village.path)), None
            )
            if grid_target is None:
                raise _conflict(
                    f"{village.name}不在该任务的派发对象内", f"{village.name} is not among the task's targets"
                )
            grid_id = grid_target.org_unit_id
        result[village.id] = (village, grid_id)
    if not result:
        raise _conflict("没有可派发的村(社区)", "There is no village to dispatch to")
    return list(result.values())


def dispatch_task(
    uow, actor: Actor, task_id: int, data: dict, org: Org, now: datetime
) -> tuple[Task, list[int]]:
    """派单: one assignment per village in one bulk insert, ledger rows in another, ONE event.
    In steps: some target villages now, the rest later (by default, all that remain)."""
    session = uow.session
    task = _task(session, task_id)
    _reviewer(actor, task)
    if task.status == "dispatched" and not task.undispatched:
        raise _conflict("该任务已向全部对象派发", "The task has been dispatched to all its targets")
    if task.status not in ("approved", "dispatched"):
        raise _state_conflict(task, "审核通过后才能派单", "it can be dispatched only once approved")
    matter = session.get(Matter, task.matter_id)
    if "village" not in matter.levels and "grid" not in matter.levels:
        raise _conflict(
            "该事项只能由乡镇办理,不能派到村(社区)",
            "This matter is for the township and cannot go to villages",
        )
    if task.major and latest_decision(session, task.id) is None:
        raise DomainError("decision_required")
    already = set(session.scalars(select(Assignment.village_id).where(Assignment.task_id == task.id)))
    if task.status == "dispatched" and not data:  # the rest of the targets
        remaining = {r["village_id"] for r in task.undispatched}
        chosen = [(v, g) for v, g in _dispatch_villages(session, org, task, {}) if v.id in remaining]
    else:
        chosen = _dispatch_villages(session, org, task, data)
    twice = [v.name for v, _ in chosen if v.id in already]
    if twice:
        names = "、".join(twice)
        raise _conflict(f"{names}已派发过该任务", f"Already dispatched to {', '.join(twice)}")
    for village, _ in chosen:
        actor.require_scope(village.path)
    overlaps = _overlaps(session, task.matter_code, [v.path for v, _ in chosen], task.id)
    if overlaps:  # checked again on the villages that would actually receive it
        raise _conflict(domain.overlap_label(overlaps), _overlap_en(overlaps))
    every = _all_target_villages(session, org, _targets(session, task))
    task.undispatched = _undispatched(every, already | {v.id for v, _ in chosen})
    month = domain.local_month(now)
    rows = []
    for village, grid_id in chosen:
        ids = domain.ids_of(village.path)
        rows.append(
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "title": task.title,
                "township_id": ids["township_id"],
                "village_id": village.id,
                "village_name": village.name,
                "grid_id": grid_id,
                "org_path": f"{village.path}{grid_id}/" if grid_id else village.path,
                "status": "dispatched",
                "deadline": task.deadline,
                "dispatched_at": now,
                "dispatched_month": month,
            }
        )
    assignment_ids = list(
        session.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), rows)
    )
    before, task.status = task.status, "dispatched"
    task.dispatched_at = task.dispatched_at or now  # the first step's time
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "dispatched",
                task.org_path,
                task.id,
                None,
                before,
                "dispatched",
                {"villages": len(rows)},
            )
        ]
        + [
            ledger_row(
                now,
                actor,
                "dispatched",
                row["org_path"],
                task.id,
                aid,
                None,
                "dispatched",
                {"deadline": _iso(task.deadline), "matter_code": task.matter_code},
            )
            for aid, row in zip(assignment_ids, rows, strict=True)
        ],
    )
    uow.emit(
        _event(
            "task.dispatched",
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "title": task.title,
                "actor_id": actor.id,
                "village_ids": [row["village_id"] for row in rows],
                "assignment_ids": assignment_ids,
                "deadline": _iso(task.deadline),
                "major": task.major,
                **_place_ids(task.org_path),
            },
            f"tasks/{task.id}",
            task.org_path,
        )
    )
    return task, assignment_ids


# -- assignments -------------------------------------------------------------------------


def village_path(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:3]) + "/"


def may_see_assignment(actor: Actor, a: Assignment, task: Task) -> bool:
    if actor.has("department_staff") and _is_sender(actor, task):
        return True
    if task.sender_id == actor.id or a.assignee_id == actor.id:
        return True
    roles = set(domain.READER_ROLES) - {"department_staff"}
    return actor.has(*roles) and actor.covers(a.org_path)


def _assignment(session, actor: Actor, assignment_id: int) -> tuple[Assignment, Task]:
    a = session.get(Assignment, assignment_id)
    task = session.get(Task, a.task_id) if a else None
    if a is None or not may_see_assignment(actor, a, task):
        raise not_found("任务", "assignment")
    return a, task


def assignment_event_data(a: Assignment, from_status: str | None, actor: Actor | None, reason=None) -> dict:
    data = {
        "assignment_id": a.id,
        "task_id": a.task_id,
        "matter_code": a.matter_code,
        "title": a.title,
        "status": a.status,
        "from_status": from_status,
        "actor_id": actor.id if actor else None,
        "assignee_id": a.assignee_id,
        "deadline": _iso(a.deadline),
        "reason": reason,
        "township_id": a.township_id,
        "village_id": a.village_id,
        "grid_id": a.grid_id,
    }
    return data


_EVENT_OF = {
    "assign": "assigned",
    "claim": "claimed",
    "start": "started",
    "submit": "submitted",
    "accept": "accepted",
    "return": "returned",
}


def _transition(
    uow, actor: Actor | None, a: Assignment, action: str, now: datetime, detail: dict | None = None, **extra
) -> None:
    try:
        to = domain.next_status(action, a.status)
    except domain.TransitionError as exc:
        raise _conflict(exc.message, exc.message_en) from exc
    before, a.status = a.status, to
    data = assignment_event_data(a, before, actor, extra.get("reason")) | {
        k: v for k, v in extra.items() if k != "reason"
    }
    event_name = _EVENT_OF[action]
    uow.emit(_event(f"assignment.{event_name}", data, f"assignments/{a.id}", a.org_path))
    write_ledger(
        uow.session, [ledger_row(now, actor, action, a.org_path, a.task_id, a.id, before, to, detail or {})]
    )


def assign(uow, actor: Actor, assignment_id: int, data: dict, org: Org, now: datetime) -> Assignment:
    """The village passes its assignment on to one of its grids, optionally to a person there."""
    session = uow.session
    a, _ = _assignment(session, actor, assignment_id)
    actor.require(*domain.VILLAGE_ROLES)
    actor.require_scope(village_path(a.org_path))
    grid = places(session, org, [data["grid_id"]])[data["grid_id"]]
    if grid.level != "grid" or not grid.path.startswith(village_path(a.org_path)):
        raise DomainError("validation_failed", fields={"grid_id": ["只能分派到本村的网格"]})
    assignee = data.get("assignee_id")
    if assignee is not None:
        responsible = org.responsible_for_grid(grid.id)
        if assignee not in set(responsible["grid_workers"]) | set(responsible["cadres"]):
            raise DomainError(
                "validation_failed", fields={"assignee_id": ["只能分派给该网格的网格员或包格干部"]}
            )
    a.grid_id, a.org_path, a.assignee_id = grid.id, grid.path, assignee
    _transition(
        uow, actor, a, "assign", now, {"grid_id": grid.id, "grid_name": grid.name, "assignee_id": assignee}
    )
    return a


def claim(uow, actor: Actor, assignment_id: int, now: datetime) -> Assignment:
    a, _ = _assignment(uow.session, actor, assignment_id)
    actor.require(*domain.WORKER_ROLES)
    if not actor.covers(a.org_path) and a.assignee_id != actor.id:
        raise DomainError("out_of_scope")
    if a.assignee_id is not None and a.assignee_id != actor.id:
        raise _conflict("该任务已指派给其他人员", "The assignment is held by someone else")
    a.assignee_id = actor.id
    _transition(uow, actor, a, "claim", now)
    return a


def _holder(actor: Actor, a: Assignment) -> None:
    if a.assignee_id != actor.id:
        raise DomainError("forbidden")


def start(uow, actor: Actor, assignment_id: int, now: datetime) -> Assignment:
    a, _ = _assignment(uow.session, actor, assignment_id)
    _holder(actor, a)
    _transition(uow, actor, a, "start", now)
    return a


def submit(uow, actor: Actor, assignment_id: int, evidence: dict, now: datetime) -> Assignment:
    session = uow.session
    a, task = _assignment(session, actor, assignment_id)
    _holder(actor, a)
    try:  # a wrong state is the first thing to say, before any missing evidence
        domain.next_status("submit", a.status)
    except domain.TransitionError as exc:
        raise _conflict(exc.message, exc.message_en) from exc
    matter = session.get(Matter, task.matter_id)
    missing = domain.missing_evidence(matter.evidence, evidence)
    if missing:
        labels = "、".join(domain.EVIDENCE_LABELS[m] for m in missing)
        raise DomainError(
            "evidence_missing",
            {"missing": labels},
            {"evidence": {m: [f"该事项办结需提供{domain.EVIDENCE_LABELS[m]}"] for m in missing}},
        )
    a.evidence = evidence
    a.submitted_at = now
    a.return_reason = None
    _transition(uow, actor, a, "submit", now, {"evidence": evidence})
    return a


# Checks other capabilities of this service make before an assignment is accepted, each
# `guard(session, assignment, task)` raising DomainError (procedures: a major matter must
# have gone through its procedure, services/tasks/procedures/gate.py).
ACCEPT_GUARDS: list = []


def _may_accept(actor: Actor, a: Assignment, task: Task) -> bool:
    if _is_sender(actor, task):
        return True
    return actor.has(*domain.REVIEWER_ROLES) and actor.covers(a.org_path)


def accept(uow, actor: Actor, assignment_id: int, now: datetime) -> Assignment:
    session = uow.session
    a, task = _assignment(session, actor, assignment_id)
    if not _may_accept(actor, a, task):
        raise DomainError("forbidden")
    on_time = domain.local_date(now) <= a.deadline
    days = domain.days_between(a.dispatched_at, now)
    if a.status == "submitted":
        for guard in ACCEPT_GUARDS:
            guard(session, a, task)
        a.accepted_at = now
    _transition(
        uow,
        actor,
        a,
        "accept",
        now,
        {"on_time": on_time, "days_to_close": days},
        on_time=on_time,
        days_to_close=days,
    )
    session.flush()
    still_open = session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.task_id == task.id, Assignment.status != "accepted"
        )
    )
    if not still_open and not task.undispatched:  # every target village dispatched and closed
        task.status, task.closed_at = "done", now
        write_ledger(
            session, [ledger_row(now, actor, "closed", task.org_path, task.id, None, "dispatched", "done")]
        )
    return a


def return_assignment(uow, actor: Actor, assignment_id: int, reason: str, now: datetime) -> Assignment:
    a, task = _assignment(uow.session, actor, assignment_id)
    if not _may_accept(actor, a, task):
        raise DomainError("forbidden")
    a.return_reason = reason
    _transition(uow, actor, a, "return", now, {"reason": reason}, reason=reason)
    return a


# -- deadlines ---------------------------------------------------------------------------


def check_deadlines(uow, now: datetime) -> dict:
    """Overdue events for open assignments past their deadline, reminders for those due
    within REMIND_DAYS. Each is claimed by a conditional UPDATE, so replicas running the
    same check at once never send one twice."""
    session = uow.session
    today = domain.local_date(now)
    report = {}
    for kind, column, condition in (
        ("overdue", Assignment.overdue_at, Assignment.deadline < today),
        (
            "due_soon",
            Assignment.reminded_at,
            (Assignment.deadline >= today) & (Assignment.deadline <= today + timedelta(days=REMIND_DAYS)),
        ),
    ):
        claimed = list(
            session.scalars(
                update(Assignment)
                .where(Assignment.status.in_(domain.OPEN_ASSIGNMENT_STATUSES), column.is_(None), condition)
                .values({column.key: now})
                .returning(Assignment.id)
                .execution_options(synchronize_session=False)
            )
        )
        rows = []
        for start_at in range(0, len(claimed), 1000):
            for a in session.scalars(
                select(Assignment).where(Assignment.id.in_(claimed[start_at : start_at + 1000]))
            ):
                data = assignment_event_data(a, a.status, None)
                uow.emit(_event(f"assignment.{kind}", data, f"assignments/{a.id}", a.org_path))
                rows.append(
                    ledger_row(
                        now,
                        None,
                        kind,
                        a.org_path,
                        a.task_id,
                        a.id,
                        a.status,
                        a.status,
                        {"deadline": _iso(a.deadline)},
                    )
                )
        write_ledger(session, rows)
        report[kind] = len(claimed)
    return report


def utc(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
