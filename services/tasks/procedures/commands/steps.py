"""A procedure run step by step: started for a task's village, each step completed with its
evidence or returned with reasons; a major matter's acceptance waits for its completion."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from common.errors import DomainError, conflict, not_found
from common.scope import Actor
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.procedures import domain
from services.tasks.procedures.commands.records import (
    STARTER_ROLES,
    ledger_row,
    place_ids,
    procedure_event_of,
    write_ledger,
)
from services.tasks.procedures.commands.templates import applicable_templates, current_template
from services.tasks.procedures.models import (
    Procedure,
    ProcedureStep,
    StepReturn,
    Template,
)
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow.models import Assignment, Task


def may_see_procedure(actor: Actor, p: Procedure) -> bool:
    return actor.covers(p.org_path)


def get_procedure(session, actor: Actor, procedure_id: int) -> Procedure:
    p = session.get(Procedure, procedure_id) if 0 < procedure_id < 2**31 else None
    if p is None or not may_see_procedure(actor, p):
        raise not_found("议事程序", "procedure")
    return p


def steps_of(session, p: Procedure) -> list[ProcedureStep]:
    return list(
        session.scalars(
            select(ProcedureStep).where(ProcedureStep.procedure_id == p.id).order_by(ProcedureStep.position)
        )
    )


def _procedure_event(uow, name: str, p: Procedure, actor: Actor, **extra) -> None:
    data = {
        "procedure_id": p.id,
        "template_code": p.template_code,
        "template_version": p.template_version,
        "title": p.title,
        "status": p.status,
        "actor_id": actor.id,
        "task_id": p.task_id,
        "assignment_id": p.assignment_id,
        "matter_code": p.matter_code,
        **place_ids(p.org_path),
        **extra,
    }
    uow.emit(procedure_event_of(f"procedure.{name}", data, f"procedures/{p.id}", p.org_path))


def start_procedure(uow, actor: Actor, data: dict, org: taskflow.Org, now: datetime) -> Procedure:
    """A village starts a procedure for a matter: a task's assignment, or a village matter."""
    session = uow.session
    actor.require(*STARTER_ROLES)
    template = current_template(session, data["template_code"])
    if template is None:
        raise not_found("程序模板", "template")
    task_id = assignment_id = matter_code = None
    if "assignment_id" in data:
        a = session.get(Assignment, data["assignment_id"])
        task = session.get(Task, a.task_id) if a else None
        if a is None or not actor.covers(taskflow.village_path(a.org_path)):
            raise not_found("任务", "assignment")
        if template not in applicable_templates(session, task.matter_code, task.major):
            raise conflict(
                f"事项 {task.matter_code} 不适用“{template.name}”程序",
                f"Matter {task.matter_code} does not take the {template.code} procedure",
            )
        if a.status == "accepted":
            raise conflict("该任务已办结,不能再启动议事程序", "The task is done: no procedure can be started")
        open_one = session.scalar(
            select(Procedure.id).where(
                Procedure.assignment_id == a.id,
                Procedure.template_code == template.code,
                Procedure.status != "completed",
            )
        )
        if open_one is not None:
            raise conflict(
                f"该任务已有进行中的“{template.name}”程序(编号 {open_one})",
                f"The task already has an open {template.code} procedure (no. {open_one})",
            )
        org_path = taskflow.village_path(a.org_path)
        title = data.get("title") or a.title
        task_id, assignment_id, matter_code = task.id, a.id, task.matter_code
    else:
        village = taskflow.places(session, org, [data["village_id"]])[data["village_id"]]
        if village.level != "village":
            raise DomainError("validation_failed", fields={"village_id": ["须为村(社区)"]})
        actor.require_scope(village.path)
        org_path, title = village.path, data["title"]
    ids = tf_domain.ids_of(org_path)
    p = Procedure(
        template_id=template.id,
        template_code=template.code,
        template_version=template.version,
        title=title,
        village_id=ids["village_id"],
        township_id=ids["township_id"],
        org_path=org_path,
        task_id=task_id,
        assignment_id=assignment_id,
        matter_code=matter_code,
        status="running",
        current_step=0,
        returns=0,
        started_by=actor.id,
        started_at=now,
    )
    session.add(p)
    session.flush()
    session.add_all(
        ProcedureStep(
            procedure_id=p.id,
            position=n,
            key=step["key"],
            name=step["name"],
            status="open" if n == 0 else "waiting",
            opened_at=now if n == 0 else None,
        )
        for n, step in enumerate(template.steps)
    )
    _procedure_event(uow, "started", p, actor)
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "procedure_started",
                org_path,
                procedure_id=p.id,
                detail={
                    "template": f"{template.code}@{template.version}",
                    "title": title,
                    "task_id": task_id,
                    "assignment_id": assignment_id,
                },
            )
        ],
    )
    return p


def evidence_json(evidence: dict) -> dict:
    """Evidence as stored: JSON-safe, datetimes as ISO text."""
    return json.loads(tf_domain.canonical(evidence))


def complete_step(
    uow, actor: Actor, procedure_id: int, position: int, evidence: dict, now: datetime
) -> tuple[Procedure, list[domain.Failure]]:
    """Complete the current step with its evidence. When the evidence or a rule fails, the
    matter is returned with the reasons (recorded, and reported by the caller as 422)."""
    session = uow.session
    p = get_procedure(session, actor, procedure_id)
    template = session.get(Template, p.template_id)
    if p.status == "completed":
        raise conflict("该议事程序已完成", "The procedure is already complete")
    steps = steps_of(session, p)
    if not 0 <= position < len(steps):
        raise not_found("程序步骤", "step")
    if position != p.current_step:
        current = steps[p.current_step]
        raise DomainError("step_out_of_order", {"step": current.name, "position": p.current_step + 1})
    definition = template.steps[position]
    actor.require(*definition["roles"])
    actor.require_scope(p.org_path)
    step = steps[position]
    files = evidence_rule.verify(
        session, evidence_rule.refs_of(evidence), actor.id, p.org_path, now, p.started_at, ("evidence",)
    )
    failures = domain.check_step(definition, evidence, step.opened_at, now)
    stored = evidence_json(evidence) | ({"files": files} if files else {})
    if failures:
        reasons = [f.as_dict() for f in failures]
        session.add(
            StepReturn(
                procedure_id=p.id,
                position=position,
                step_key=step.key,
                template_code=p.template_code,
                org_path=p.org_path,
                reasons=reasons,
                evidence=stored,
                actor_id=actor.id,
                at=now,
            )
        )
        step.status, p.status = "returned", "returned"
        p.returns += 1
        _procedure_event(
            uow, "step_returned", p, actor, step_key=step.key, position=position, reasons=reasons
        )
        write_ledger(
            session,
            [
                ledger_row(
                    now,
                    actor,
                    "step_returned",
                    p.org_path,
                    procedure_id=p.id,
                    detail={"step": step.key, "position": position, "reasons": reasons, "evidence": stored},
                )
            ],
        )
        return p, failures
    step.status, step.completed_at, step.completed_by, step.evidence = "completed", now, actor.id, stored
    rows = [
        ledger_row(
            now,
            actor,
            "step_completed",
            p.org_path,
            procedure_id=p.id,
            detail={"step": step.key, "position": position, "evidence": stored},
        )
    ]
    _procedure_event(uow, "step_completed", p, actor, step_key=step.key, position=position)
    if position + 1 < len(steps):
        following = steps[position + 1]
        following.status, following.opened_at = "open", now
        p.current_step, p.status = position + 1, "running"
    else:
        p.status, p.completed_at = "completed", now
        days = tf_domain.days_between(p.started_at, now)
        _procedure_event(uow, "completed", p, actor, days=days)
        rows.append(
            ledger_row(
                now, actor, "procedure_completed", p.org_path, procedure_id=p.id, detail={"days": days}
            )
        )
    write_ledger(session, rows)
    return p, []


def require_completed_procedure(session, a: Assignment, task: Task) -> None:
    """Accept guard: a matter a template applies to (every major matter) is accepted only
    once a procedure of that template was completed for this assignment."""
    templates = applicable_templates(session, task.matter_code, task.major)
    if not templates:
        if task.major:  # no template loaded yet: a major matter still cannot skip its procedure
            raise DomainError("procedure_required", {"templates": "“五议两公开”"})
        return
    done = session.scalar(
        select(Procedure.id).where(
            Procedure.assignment_id == a.id,
            Procedure.status == "completed",
            Procedure.template_code.in_([t.code for t in templates]),
        )
    )
    if done is None:
        raise DomainError("procedure_required", {"templates": "或".join(f"“{t.name}”" for t in templates)})
