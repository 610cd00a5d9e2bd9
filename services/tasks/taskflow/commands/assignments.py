"""An assignment's life: assign, claim, start, submit with evidence, accept (after the guards
the service is composed with) or return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import func, select

from common.errors import DomainError, conflict, not_found
from common.scope import Actor
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.taskflow import domain
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import Org, is_sender, iso, task_event
from services.tasks.taskflow.commands.stored_places import places, village_path
from services.tasks.taskflow.models import Assignment, Matter, Task
from services.tasks.taskflow.visibility import ASSIGNMENTS


def may_see_assignment(actor: Actor, a: Assignment, task: Task) -> bool:
    return ASSIGNMENTS.allows(actor, (a, task))


def load_assignment(session, actor: Actor, assignment_id: int) -> tuple[Assignment, Task]:
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
        "deadline": iso(a.deadline),
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
        raise conflict(exc.message, exc.message_en) from exc
    before, a.status = a.status, to
    data = assignment_event_data(a, before, actor, extra.get("reason")) | {
        k: v for k, v in extra.items() if k != "reason"
    }
    event_name = _EVENT_OF[action]
    uow.emit(task_event(f"assignment.{event_name}", data, f"assignments/{a.id}", a.org_path))
    write_ledger(
        uow.session, [ledger_row(now, actor, action, a.org_path, a.task_id, a.id, before, to, detail or {})]
    )


def _assign_to_person(uow, actor: Actor, a: Assignment, person_id: int, org: Org, now: datetime) -> None:
    """Straight to one of the village's people (no grid named): a cadre or the secretary holds
    it at the village, a grid worker in their own grid."""
    person = org.person(person_id)  # grids answers only for a person the caller may read
    path = domain.assignee_place(village_path(a.org_path), person)
    if path is None:
        raise DomainError(
            "validation_failed",
            fields={"assignee_id": ["只能分派给本村的村两委干部、网格员或村党组织书记"]},
        )
    grid_id = domain.ids_of(path)["grid_id"]
    a.grid_id, a.org_path, a.assignee_id = grid_id, path, person_id
    detail = {"grid_id": grid_id, "assignee_id": person_id, "assignee_name": person["name"]}
    _transition(uow, actor, a, "assign", now, detail)


def assign(uow, actor: Actor, assignment_id: int, data: dict, org: Org, now: datetime) -> Assignment:
    """The village passes its assignment on to one of its grids (optionally to a person there),
    or straight to one of its cadres, grid workers or its secretary."""
    session = uow.session
    a, _ = load_assignment(session, actor, assignment_id)
    actor.require(*domain.VILLAGE_ROLES)
    actor.require_scope(village_path(a.org_path))
    if data.get("grid_id") is None:
        _assign_to_person(uow, actor, a, data["assignee_id"], org, now)
        return a
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
    a, _ = load_assignment(uow.session, actor, assignment_id)
    actor.require(*domain.WORKER_ROLES)
    if not actor.covers(a.org_path) and a.assignee_id != actor.id:
        raise DomainError("out_of_scope")
    if a.assignee_id is not None and a.assignee_id != actor.id:
        raise conflict("该任务已指派给其他人员", "The assignment is held by someone else")
    a.assignee_id = actor.id
    _transition(uow, actor, a, "claim", now)
    return a


def _holder(actor: Actor, a: Assignment) -> None:
    if a.assignee_id != actor.id:
        raise DomainError("forbidden")


def start(uow, actor: Actor, assignment_id: int, now: datetime) -> Assignment:
    a, _ = load_assignment(uow.session, actor, assignment_id)
    _holder(actor, a)
    _transition(uow, actor, a, "start", now)
    return a


def submit(uow, actor: Actor, assignment_id: int, evidence: dict, now: datetime) -> Assignment:
    session = uow.session
    a, task = load_assignment(session, actor, assignment_id)
    _holder(actor, a)
    try:  # a wrong state is the first thing to say, before any missing evidence
        domain.next_status("submit", a.status)
    except domain.TransitionError as exc:
        raise conflict(exc.message, exc.message_en) from exc
    matter = session.get(Matter, task.matter_id)
    missing = domain.missing_evidence(matter.evidence, evidence)
    if missing:
        labels = "、".join(domain.EVIDENCE_LABELS[m] for m in missing)
        raise DomainError(
            "evidence_missing",
            {"missing": labels, "missing_en": ", ".join(missing)},
            {"evidence": {m: [f"该事项办结需提供{domain.EVIDENCE_LABELS[m]}"] for m in missing}},
        )
    place = village_path(a.org_path)
    files = evidence_rule.verify(
        session, evidence_rule.refs_of(evidence), actor.id, place, now, a.dispatched_at, ("evidence",)
    )
    evidence = {**evidence, "files": files}
    a.evidence = evidence
    a.submitted_at = now
    a.return_reason = None
    _transition(uow, actor, a, "submit", now, {"evidence": evidence})
    return a


def _may_accept(actor: Actor, a: Assignment, task: Task) -> bool:
    if is_sender(actor, task):
        return True
    return actor.has(*domain.REVIEWER_ROLES) and actor.covers(a.org_path)


def accept(
    uow, actor: Actor, assignment_id: int, now: datetime, guards: Sequence[Callable] = ()
) -> Assignment:
    """`guards`: checks other capabilities make before work is accepted, each
    `guard(session, assignment, task)` raising DomainError; handed in where the service is
    composed (services/tasks/service.py: a major matter needs its completed procedure)."""
    session = uow.session
    a, task = load_assignment(session, actor, assignment_id)
    if not _may_accept(actor, a, task):
        raise DomainError("forbidden")
    on_time = domain.local_date(now) <= a.deadline
    days = domain.days_between(a.dispatched_at, now)
    if a.status == "submitted":
        for guard in guards:
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
    a, task = load_assignment(uow.session, actor, assignment_id)
    if not _may_accept(actor, a, task):
        raise DomainError("forbidden")
    a.return_reason = reason
    _transition(uow, actor, a, "return", now, {"reason": reason}, reason=reason)
    return a
