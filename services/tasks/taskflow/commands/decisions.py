"""Collective decisions (集体决策) recorded for a major matter before it is dispatched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from common.errors import DomainError
from common.scope import Actor
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.taskflow import domain
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import iso, load_task, place_ids_of, state_conflict, task_event
from services.tasks.taskflow.commands.review import check_reviewer
from services.tasks.taskflow.models import Decision


def record_decision(uow, actor: Actor, task_id: int, data: dict, now: datetime) -> Decision:
    session = uow.session
    task = load_task(session, task_id)
    check_reviewer(actor, task)
    if task.status not in domain.EDITABLE_TASK_STATUSES:
        raise state_conflict(task, "不能记录集体讨论", "no collective decision can be recorded")
    if data["meeting_date"] > domain.local_date(now):
        raise DomainError("validation_failed", fields={"meeting_date": ["会议日期不能晚于今天"]})
    evidence_rule.verify(session, {"minutes": data["minutes"]}, actor.id, task.org_path, now)
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
        task_event(
            "task.decision_recorded",
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "actor_id": actor.id,
                "meeting_date": iso(decision.meeting_date),
                "attendees": len(decision.attendees),
            }
            | place_ids_of(task.org_path),
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
                    "meeting_date": iso(decision.meeting_date),
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
