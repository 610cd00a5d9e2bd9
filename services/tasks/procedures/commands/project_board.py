"""The 揭榜 project board: a township posts a project, villages bid, the township awards it
with its reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from common.errors import DomainError, conflict, not_found
from common.scope import Actor
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.procedures import domain
from services.tasks.procedures.commands.records import (
    BIDDER_ROLES,
    TOWNSHIP_ROLES,
    iso,
    ledger_row,
    place_ids,
    procedure_event_of,
    write_ledger,
)
from services.tasks.procedures.models import (
    Bid,
    Project,
)
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain as tf_domain


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
        "deadline": iso(project.deadline),
        "actor_id": actor.id,
        **place_ids(village_path or project.org_path),
        **extra,
    }
    uow.emit(
        procedure_event_of(
            f"project.{name}", data, f"projects/{project.id}", village_path or project.org_path
        )
    )


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
    # the files' facts, not a warning: a case may well show the village's earlier work
    files = evidence_rule.verify(session, {"attachments": data["attachments"]}, actor.id, village.path, now)
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
            files=files,
        )
        session.add(bid)
    else:
        bid.case, bid.attachments, bid.files, bid.revised_at, bid.submitted_by = (
            data["case"],
            data["attachments"],
            files,
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
