"""Write side of the procedures capability: each use case checks role and scope, changes
rows, writes its chained ledger rows and emits its events in the caller's unit of work
(the entrypoint commits)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select

from common.errors import DomainError, conflict, not_found
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.procedures import chain, domain
from services.tasks.procedures.models import (
    Bid,
    LedgerEntry,
    Procedure,
    ProcedureStep,
    Project,
    StepReturn,
    Template,
)
from services.tasks.procedures.templates_default import default_templates
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow.models import Assignment, Task

TEMPLATE_FIELDS = ("name", "description", "applies_to_major", "matter_codes", "steps")
STARTER_ROLES = ("village_secretary", "village_cadre")
TOWNSHIP_ROLES = ("county_admin", "township_leader")
BIDDER_ROLES = ("village_secretary",)


def _event(name: str, data: dict, subject: str, org_path: str) -> DomainEvent:
    return DomainEvent(service="tasks", name=name, data=data, subject=subject, org_path=org_path)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def place_ids(path: str) -> dict:
    ids = tf_domain.ids_of(path)
    return {"township_id": ids["township_id"], "village_id": ids["village_id"], "grid_id": ids["grid_id"]}


# -- the ledger ----------------------------------------------------------------------------


def ledger_row(
    at: datetime,
    actor: Actor | None,
    action: str,
    org_path: str,
    procedure_id: int | None = None,
    project_id: int | None = None,
    detail: dict | None = None,
) -> dict:
    row = {
        "at": at,
        "actor_id": actor.id if actor else None,
        "actor_name": actor.name if actor else "系统",
        "action": action,
        "procedure_id": procedure_id,
        "project_id": project_id,
        "org_path": org_path,
        # JSON-safe as stored, so the content rebuilt from the columns is the same text
        "detail": json.loads(tf_domain.canonical(detail or {})),
    }
    row["content"] = tf_domain.canonical(row)
    return row


def write_ledger(session, rows: list[dict]) -> None:
    if rows:
        chain.link(session, "pr", rows)
        session.execute(insert(LedgerEntry), rows)


# -- templates -----------------------------------------------------------------------------


def current_template(session, code: str) -> Template | None:
    return session.scalar(select(Template).where(Template.code == code, Template.current))


def _check_steps(steps: list[dict]) -> None:
    errors = domain.validate_steps(steps)
    if errors:
        raise DomainError("validation_failed", fields={"steps": errors})


def _new_version(session, actor: Actor | None, code: str, data: dict, now: datetime) -> Template:
    previous = current_template(session, code)
    version = 1
    if previous is not None:
        previous.current = False
        version = previous.version + 1
        session.flush()
    values = {k: data[k] if k in data else getattr(previous, k) for k in TEMPLATE_FIELDS}
    template = Template(
        code=code,
        version=version,
        current=True,
        created_at=now,
        created_by=actor.id if actor else None,
        **values,
    )
    session.add(template)
    session.flush()
    return template


def _template_changed(uow, template: Template, change: str, actor: Actor | None, now: datetime) -> None:
    data = {
        "code": template.code,
        "version": template.version,
        "name": template.name,
        "change": change,
        "actor_id": actor.id if actor else None,
    }
    uow.emit(_event("template.changed", data, f"templates/{template.code}", "/"))
    write_ledger(uow.session, [ledger_row(now, actor, f"template_{change}", "/", detail=data)])


def seed_templates(uow, now: datetime) -> dict:
    """Load the default templates; codes already there are left alone (safe to run again)."""
    session = uow.session
    existing = set(session.scalars(select(Template.code).distinct()))
    report = {"created": 0, "unchanged": 0}
    for row in default_templates():
        if row["code"] in existing:
            report["unchanged"] += 1
            continue
        _check_steps(row["steps"])
        template = _new_version(session, None, row["code"], row, now)
        _template_changed(uow, template, "created", None, now)
        report["created"] += 1
    return report


def create_template(uow, actor: Actor, data: dict, now: datetime) -> Template:
    actor.require("county_admin")
    if current_template(uow.session, data["code"]) is not None:
        raise conflict(f"程序模板 {data['code']} 已存在", f"Procedure template {data['code']} already exists")
    _check_steps(data["steps"])
    template = _new_version(uow.session, actor, data["code"], data, now)
    _template_changed(uow, template, "created", actor, now)
    return template


def update_template(uow, actor: Actor, code: str, data: dict, now: datetime) -> Template:
    actor.require("county_admin")
    if current_template(uow.session, code) is None:
        raise not_found("程序模板", "template")
    if "steps" in data:
        _check_steps(data["steps"])
    template = _new_version(uow.session, actor, code, data, now)
    _template_changed(uow, template, "updated", actor, now)
    return template


def applicable_templates(session, matter_code: str | None, major: bool) -> list[Template]:
    """The current templates a matter must go through: those for major matters when it is
    major, and those naming its catalogue code."""
    return [
        t
        for t in session.scalars(select(Template).where(Template.current).order_by(Template.code))
        if (major and t.applies_to_major) or (matter_code and matter_code in (t.matter_codes or []))
    ]


# -- procedures ----------------------------------------------------------------------------


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
    uow.emit(_event(f"procedure.{name}", data, f"procedures/{p.id}", p.org_path))


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
    failures = domain.check_step(definition, evidence, step.opened_at, now)
    stored = evidence_json(evidence)
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


# -- project board -------------------------------------------------------------------------


def ancestors(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def may_see_project(actor: Actor, project: Project) -> bool:
    """The township's own people, and everyone in its villages (and the county above)."""
    return actor.covers(project.org_path) or any(project.org_path in ancestors(p) for p in actor.scope)


def get_project(session, actor: Actor, project_id: int) -> Project:
    project = session.get(Project, project_id) if 0 < project_id < 2**31 else None
    if project is None or not may_see_project(actor, project):
        raise not_found("揭榜项目", "project")
    return project


def _project_event(uow, name: str, project: Project, actor: Actor, village_path: str | None = None, **extra):
    data = {
        "project_id": project.id,
        "title": project.title,
        "budget": project.budget,
        "deadline": _iso(project.deadline),
        "actor_id": actor.id,
        **place_ids(village_path or project.org_path),
        **extra,
    }
    uow.emit(_event(f"project.{name}", data, f"projects/{project.id}", village_path or project.org_path))


def post_project(uow, actor: Actor, data: dict, org: taskflow.Org, now: datetime) -> Project:
    session = uow.session
    actor.require(*TOWNSHIP_ROLES)
    township_id = data.get("township_id") or actor.org_unit_id
    township = taskflow.places(session, org, [township_id])[township_id]
    if township.level != "township":
        raise DomainError("validation_failed", fields={"township_id": ["须为乡镇(街道)"]})
    actor.require_scope(township.path)
    matter = taskflow.current_matter(session, data["matter_code"])
    if matter is None or matter.retired_at is not None or "village" not in matter.levels:
        raise DomainError("validation_failed", fields={"matter_code": ["须为事项清单中在用、可派到村的事项"]})
    if data["deadline"] <= now:
        raise DomainError("validation_failed", fields={"deadline": ["竞榜截止时间须晚于当前时间"]})
    project = Project(
        township_id=township.id,
        org_path=township.path,
        title=data["title"],
        description=data["description"],
        budget=data["budget"],
        criteria=data["criteria"],
        matter_code=matter.code,
        deadline=data["deadline"],
        status="open",
        posted_by=actor.id,
        posted_by_name=actor.name,
        posted_at=now,
    )
    session.add(project)
    session.flush()
    _project_event(uow, "posted", project, actor)
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "project_posted",
                project.org_path,
                project_id=project.id,
                detail={
                    "title": project.title,
                    "budget": project.budget,
                    "criteria": project.criteria,
                    "matter_code": project.matter_code,
                    "deadline": project.deadline,
                },
            )
        ],
    )
    return project


def submit_bid(uow, actor: Actor, project_id: int, data: dict, org: taskflow.Org, now: datetime) -> Bid:
    """A village bids (竞榜) with its case; it may revise its bid until the deadline."""
    session = uow.session
    project = get_project(session, actor, project_id)
    actor.require(*BIDDER_ROLES)
    if project.status != "open":
        raise conflict("该项目已揭榜,不再接受竞榜", "The project has been awarded: no more bids")
    if not domain.bidding_open(project.deadline, now):
        raise DomainError("bidding_closed")
    village = taskflow.places(session, org, [actor.org_unit_id])[actor.org_unit_id]
    if village.level != "village" or not village.path.startswith(project.org_path):
        raise DomainError("forbidden")
    actor.require_scope(village.path)
    bid = session.scalar(select(Bid).where(Bid.project_id == project.id, Bid.village_id == village.id))
    action = "bid_revised" if bid else "bid_submitted"
    if bid is None:
        bid = Bid(
            project_id=project.id,
            village_id=village.id,
            village_name=village.name,
            org_path=village.path,
            submitted_by=actor.id,
            submitted_at=now,
            status="submitted",
            case=data["case"],
            attachments=data["attachments"],
        )
        session.add(bid)
    else:
        bid.case, bid.attachments, bid.revised_at, bid.submitted_by = (
            data["case"],
            data["attachments"],
            now,
            actor.id,
        )
    session.flush()
    _project_event(uow, "bid_submitted", project, actor, village.path, bid_id=bid.id)
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                action,
                village.path,
                project_id=project.id,
                detail={"bid_id": bid.id, "case": bid.case, "attachments": bid.attachments},
            )
        ],
    )
    return bid


def award_project(
    uow, actor: Actor, project_id: int, data: dict, org: taskflow.Org, now: datetime
) -> Project:
    """The township awards publicly with a reason after the deadline; the award becomes a task
    for the winning village, sent, reviewed and dispatched through taskflow's own commands."""
    session = uow.session
    project = get_project(session, actor, project_id)
    actor.require(*TOWNSHIP_ROLES)
    actor.require_scope(project.org_path)
    if project.status != "open":
        raise conflict("该项目已揭榜", "The project has already been awarded")
    if domain.bidding_open(project.deadline, now):
        raise conflict("竞榜尚未截止,截止后才能揭榜", "Bidding is still open: award after its deadline")
    bids = list(session.scalars(select(Bid).where(Bid.project_id == project.id)))
    winner = next((b for b in bids if b.id == data["bid_id"]), None)
    if winner is None:
        raise DomainError("validation_failed", fields={"bid_id": ["不是该项目的竞榜"]})
    task = taskflow.submit_task(
        uow,
        actor,
        {
            "title": f"揭榜项目:{project.title}",
            "content": f"{project.description}\n揭榜理由:{data['reason']}",
            "matter_code": project.matter_code,
            "target_ids": [winner.village_id],
        },
        org,
        now,
    )
    if task.status == "rejected":
        raise conflict(
            f"揭榜任务未通过过筛:{tf_domain.REJECT_REASONS[task.reject_reason]}",
            f"The project's task failed screening: {tf_domain.REJECT_REASONS_EN[task.reject_reason]}",
        )
    taskflow.approve_task(uow, actor, task.id, now)
    if task.major:
        if "decision" not in data:
            raise DomainError("decision_required")
        taskflow.record_decision(uow, actor, task.id, data["decision"] | {"decision": data["reason"]}, now)
    taskflow.dispatch_task(uow, actor, task.id, {"village_ids": [winner.village_id]}, org, now)
    for bid in bids:
        bid.status = "won" if bid.id == winner.id else "lost"
    project.status, project.awarded_bid_id, project.award_reason = "awarded", winner.id, data["reason"]
    project.awarded_at, project.awarded_by, project.task_id = now, actor.id, task.id
    _project_event(
        uow,
        "awarded",
        project,
        actor,
        winner.org_path,
        bid_id=winner.id,
        bids=len(bids),
        reason=data["reason"],
        task_id=task.id,
        winner_bidder_id=winner.submitted_by,
        lost_bidder_ids=sorted({b.submitted_by for b in bids if b.id != winner.id}),
        lost_village_ids=sorted({b.village_id for b in bids if b.id != winner.id}),
    )
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "project_awarded",
                project.org_path,
                project_id=project.id,
                detail={
                    "bid_id": winner.id,
                    "village_id": winner.village_id,
                    "village_name": winner.village_name,
                    "reason": data["reason"],
                    "bids": len(bids),
                    "task_id": task.id,
                },
            )
        ],
    )
    return project
