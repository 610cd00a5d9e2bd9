"""Tasks as the actor may see them: the SQL filter, the check on a loaded row, the list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.paging import page_of
from common.scope import Actor
from common.storage import paginate
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Assignment, Decision, Matter, Task, TaskTarget
from services.tasks.taskflow.screening_stats import flagged_by_screening, screening_view
from services.tasks.taskflow.visibility import TASKS


def task_visibility(actor: Actor):
    """SQL: the tasks the actor may see (taskflow/visibility.py)."""
    return TASKS.where(actor)


def may_see_task(actor: Actor, task: Task) -> bool:
    return TASKS.allows(actor, task)


def task_dicts(session: Session, tasks: list[Task], detail: bool = False) -> list[dict]:
    ids = [t.id for t in tasks]
    targets: dict[int, list] = {i: [] for i in ids}
    counts: dict[int, dict] = {i: {} for i in ids}
    matters: dict[int, Matter] = {}
    decisions: dict[int, Decision] = {}
    if ids:
        for row in session.scalars(
            select(TaskTarget).where(TaskTarget.task_id.in_(ids)).order_by(TaskTarget.id)
        ):
            targets[row.task_id].append(
                {"org_unit_id": row.org_unit_id, "level": row.level, "name": row.name, "path": row.path}
            )
        for task_id, status, n in session.execute(
            select(Assignment.task_id, Assignment.status, func.count())
            .where(Assignment.task_id.in_(ids))
            .group_by(Assignment.task_id, Assignment.status)
        ):
            counts[task_id][status] = n
        matter_ids = {t.matter_id for t in tasks if t.matter_id}
        if matter_ids:
            matters = {m.id: m for m in session.scalars(select(Matter).where(Matter.id.in_(matter_ids)))}
        for d in session.scalars(select(Decision).where(Decision.task_id.in_(ids)).order_by(Decision.id)):
            decisions[d.task_id] = d
    result = []
    for t in tasks:
        matter = matters.get(t.matter_id)
        d = decisions.get(t.id)
        result.append(
            {
                "id": t.id,
                "title": t.title,
                "content": t.content,
                "matter_code": t.matter_code,
                "matter_name": matter.name if matter else None,
                "matter_version": matter.version if matter else None,
                "status": t.status,
                "status_label": domain.TASK_STATUS_LABELS[t.status],
                "reject_reason": t.reject_reason,
                "reject_reason_label": (
                    domain.overlap_label(t.overlaps or [])
                    if t.reject_reason == "duplicate"
                    else domain.REJECT_REASONS.get(t.reject_reason)
                )
                if t.reject_reason
                else None,
                "overlaps": t.overlaps or [],
                "review_reason": t.review_reason,
                "suggestions": t.suggestions or [],
                **screening_view(t),
                "sender_id": t.sender_id,
                "sender_name": t.sender_name,
                "sender_department_id": t.sender_department_id,
                "org_path": t.org_path,
                "deadline": t.deadline,
                "major": t.major,
                "received_at": t.received_at,
                "dispatched_at": t.dispatched_at,
                "closed_at": t.closed_at,
                "targets": targets[t.id],
                "undispatched": t.undispatched or [],
                "decision": (
                    {
                        "meeting_date": d.meeting_date,
                        "attendees": d.attendees,
                        "decision": d.decision,
                        "minutes": d.minutes,
                        "recorded_by": d.recorded_by,
                        "recorded_at": d.recorded_at,
                    }
                    if d
                    else None
                ),
                "assignments": counts[t.id],
            }
        )
    return result


def tasks(session: Session, actor: Actor, q: dict) -> dict:
    filters = [task_visibility(actor)]
    if q.get("matter_code"):
        filters.append(Task.matter_code == q["matter_code"])
    base = select(Task).where(*filters)
    # the counts by status follow every filter but the status itself (they label its tabs)
    counts = dict(
        session.execute(select(Task.status, func.count()).where(*filters).group_by(Task.status)).all()
    )
    if q.get("status"):
        base = base.where(Task.status == q["status"])
    if q.get("flagged"):  # what content screening put before the reviewer
        base = base.where(flagged_by_screening())
    rows, total = paginate(session, base.order_by(Task.id.desc()), q["page"], q["per_page"])
    return page_of(task_dicts(session, rows), total, q) | {"counts": counts}
