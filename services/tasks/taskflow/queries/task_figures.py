"""Task figures: sent, screened, refused and done, by period and by village."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from common import roles
from common.errors import DomainError
from common.scope import Actor
from common.storage import in_scope
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Assignment, Task
from services.tasks.taskflow.screening_stats import negative_list_figures


def stats_scope(actor: Actor):
    """(task condition, assignment condition) for the figures this actor may read."""
    if actor.has(*roles.TOWNSHIP):
        return in_scope(Task.org_path, actor.scope), in_scope(Assignment.org_path, actor.scope)
    if actor.has("department_staff"):
        own = or_(Task.sender_id == actor.id, Task.sender_department_id == (actor.department_id or -1))
        return own, own
    if actor.has("village_secretary"):
        return in_scope(Task.org_path, actor.scope), in_scope(Assignment.org_path, actor.scope)
    raise DomainError("forbidden")


def period_figures(session: Session, actor: Actor, start: str, end: str) -> dict:
    task_cond, assign_cond = stats_scope(actor)
    in_period = and_(Task.received_month >= start, Task.received_month <= end)
    by_status = dict(
        session.execute(
            select(Task.status, func.count()).where(task_cond, in_period).group_by(Task.status)
        ).all()
    )
    by_reason = dict(
        session.execute(
            select(Task.reject_reason, func.count())
            .where(task_cond, in_period, Task.status == "rejected")
            .group_by(Task.reject_reason)
        ).all()
    )
    submitted = sum(by_status.values())
    rejected = by_status.get("rejected", 0)
    needs_code = by_status.get("needs_code", 0)
    withdrawn = by_status.get("withdrawn", 0)
    a_period = and_(Assignment.dispatched_month >= start, Assignment.dispatched_month <= end)
    dispatched_tasks = session.scalar(
        select(func.count(func.distinct(Assignment.task_id)))
        .join(Task, Task.id == Assignment.task_id)
        .where(assign_cond, a_period)
    )
    total, completed = session.execute(
        select(func.count(Assignment.id), func.sum(case((Assignment.status == "accepted", 1), else_=0)))
        .join(Task, Task.id == Assignment.task_id)
        .where(assign_cond, a_period)
    ).one()
    closed = session.execute(
        select(Assignment.dispatched_at, Assignment.accepted_at, Assignment.deadline)
        .join(Task, Task.id == Assignment.task_id)
        .where(assign_cond, a_period, Assignment.status == "accepted")
    ).all()
    days = [domain.days_between(d, a) for d, a, _ in closed]
    in_time = sum(1 for _, a, dl in closed if domain.local_date(a) <= dl)
    total, completed = int(total or 0), int(completed or 0)
    held = negative_list_figures(session, task_cond, months=(start, end))
    return {
        "negative_list": held["tasks"],
        "negative_list_by_rule": {k: v["count"] for k, v in held["by_rule"].items()},
        "submitted": submitted,
        "received": submitted - rejected - needs_code - withdrawn,
        "rejected": rejected,
        "rejected_by_reason": {r: by_reason.get(r, 0) for r in domain.REJECT_REASONS},
        "needs_code": needs_code,
        "returned": by_status.get("returned", 0),
        "withdrawn": withdrawn,
        "dispatched": int(dispatched_tasks or 0),
        "assignments": total,
        "completed": completed,
        "completion_rate": round(completed / total, 4) if total else None,  # rates are fractions 0..1
        "on_time_rate": round(in_time / completed, 4) if completed else None,
        "avg_days_to_close": round(sum(days) / len(days), 2) if days else None,
    }


def task_stats(session: Session, actor: Actor, start: str | None, end: str | None, now: datetime) -> dict:
    end = end or domain.local_month(now)
    start = start or end
    if start > end:
        raise DomainError("validation_failed", fields={"from": ["起始月份不能晚于结束月份"]})
    prev_start, prev_end = domain.previous_period(start, end)
    current = period_figures(session, actor, start, end)
    previous = period_figures(session, actor, prev_start, prev_end)
    return {
        "start": start,
        "end": end,
        **current,
        "previous": {"from": prev_start, "to": prev_end, **previous},
        "assignments_change_pct": domain.change_pct(current["assignments"], previous["assignments"]),
    }


def rejection_stats(session: Session, actor: Actor, since: date | None) -> dict:
    task_cond, _ = stats_scope(actor)
    query = (
        select(
            Task.reject_reason,
            Task.sender_id,
            Task.sender_name,
            Task.sender_department_id,
            Task.received_month,
            func.count(),
        )
        .where(task_cond, Task.status == "rejected")
        .group_by(
            Task.reject_reason,
            Task.sender_id,
            Task.sender_name,
            Task.sender_department_id,
            Task.received_month,
        )
        .order_by(Task.received_month, Task.reject_reason, Task.sender_id)
    )
    if since:
        query = query.where(
            Task.received_at >= datetime(since.year, since.month, since.day, tzinfo=domain.LOCAL)
        )
    rows = [
        {
            "reason": reason,
            "reason_label": domain.REJECT_REASONS[reason],
            "sender_id": sender_id,
            "sender_name": sender_name,
            "sender_department_id": dept,
            "month": month,
            "count": n,
        }
        for reason, sender_id, sender_name, dept, month, n in session.execute(query)
    ]
    by_reason = {r: 0 for r in domain.REJECT_REASONS}
    for row in rows:
        by_reason[row["reason"]] += row["count"]
    held = negative_list_figures(session, task_cond, since)  # held for review, counted here by rule
    by_reason[domain.NEGATIVE_LIST] = held["tasks"]
    return {
        "since": since,
        "total": sum(by_reason.values()),
        "by_reason": by_reason,
        "by_rule": held["by_rule"],
        "rows": rows + held["rows"],
    }


def village_stats(session: Session, actor: Actor, start: str | None, end: str | None, now: datetime) -> dict:
    """Tasks reaching each village per month, against the period just before."""
    end = end or domain.local_month(now)
    start = start or end
    prev_start, prev_end = domain.previous_period(start, end)
    _, assign_cond = stats_scope(actor)
    query = (
        select(
            Assignment.village_id,
            Assignment.village_name,
            Assignment.township_id,
            Assignment.dispatched_month,
            func.count(),
        )
        .join(Task, Task.id == Assignment.task_id)
        .where(assign_cond, Assignment.dispatched_month >= prev_start, Assignment.dispatched_month <= end)
        .group_by(
            Assignment.village_id,
            Assignment.village_name,
            Assignment.township_id,
            Assignment.dispatched_month,
        )
    )
    villages: dict[int, dict] = {}
    for village_id, name, township_id, month, n in session.execute(query):
        row = villages.setdefault(
            village_id,
            {
                "village_id": village_id,
                "village_name": name,
                "township_id": township_id,
                "count": 0,
                "previous": 0,
                "by_month": {},
            },
        )
        if month >= start:
            row["count"] += n
            row["by_month"][month] = n
        else:
            row["previous"] += n
    for row in villages.values():
        row["change_pct"] = domain.change_pct(row["count"], row["previous"])
    total = sum(r["count"] for r in villages.values())
    previous_total = sum(r["previous"] for r in villages.values())
    return {
        "start": start,
        "end": end,
        "previous_from": prev_start,
        "previous_to": prev_end,
        "total": total,
        "previous_total": previous_total,
        "change_pct": domain.change_pct(total, previous_total),
        "villages": sorted(villages.values(), key=lambda r: (r["township_id"] or 0, r["village_id"])),
    }
