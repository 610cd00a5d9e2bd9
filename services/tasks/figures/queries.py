"""The article figures from the tasks service's own tables, for a place and a span of months
against the span of equal length just before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from common.scope import Actor
from services.tasks.fieldwork.models import Matter
from services.tasks.fieldwork.queries import _days
from services.tasks.figures import domain
from services.tasks.procedures.models import Procedure
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow import queries as tf_queries

DONE = ("resolved", "rated")


def _months(model, start: str, end: str):
    return and_(model.month >= start, model.month <= end)


def _matters(session: Session, path: str, start: str, end: str) -> dict:
    """Hard matters (难事: reached the village or higher) and how small ones were escalated."""
    done = Matter.status.in_(DONE)
    hard = Matter.escalated.is_(True)
    where = (Matter.org_path.startswith(path, autoescape=True), _months(Matter, start, end))
    reported, escalated, hard_n, hard_done, hard_days, dept_done = session.execute(
        select(
            func.count(),
            func.sum(case((hard, 1), else_=0)),
            func.sum(case((hard, 1), else_=0)),
            func.sum(case((and_(hard, done), 1), else_=0)),
            func.avg(
                case((and_(hard, done), _days(session, Matter.resolved_at, Matter.created_at)), else_=None)
            ),
            func.sum(case((and_(Matter.department_id.isnot(None), done), 1), else_=0)),
        ).where(*where)
    ).one()
    reported, escalated, hard_n, hard_done = (int(x or 0) for x in (reported, escalated, hard_n, hard_done))
    return {
        "reported": reported,
        "escalated": escalated,
        "escalation_rate": domain.rate(escalated, reported),
        "hard": hard_n,
        "hard_resolved": hard_done,
        "completion_rate": domain.rate(hard_done, hard_n),
        "avg_days_to_close": round(float(hard_days), 2) if hard_days is not None else None,
        "department_dispatch_resolved": int(dept_done or 0),
    }


def _procedures(session: Session, path: str, start: str, end: str) -> dict[str, int]:
    rows = session.execute(
        select(Procedure.template_code, Procedure.completed_at).where(
            Procedure.status == "completed", Procedure.org_path.startswith(path, autoescape=True)
        )
    ).all()
    # completion months in China time, counted here: a few procedures per village a year
    counts: dict[str, int] = {}
    for code, at in rows:
        if at is not None and start <= tf_domain.local_month(at) <= end:
            counts[code] = counts.get(code, 0) + 1
    return counts


def seed_figures(session: Session, actor: Actor, path: str, start: str, end: str) -> dict:
    """Each figure the articles quote, for the place under `path` and months [start, end]."""
    here = replace(actor, scope=(path,))  # the taskflow figures, narrowed to the place asked for
    before_start, before_end = tf_domain.previous_period(start, end)
    tasks_now = tf_queries.period_figures(session, here, start, end)
    tasks_before = tf_queries.period_figures(session, here, before_start, before_end)
    since = date(int(start[:4]), int(start[5:7]), 1)
    rejections = tf_queries.rejection_stats(session, here, since)
    now, before = _matters(session, path, start, end), _matters(session, path, before_start, before_end)
    return {
        "org_path": path,
        "start": start,
        "end": end,
        "before_start": before_start,
        "before_end": before_end,
        "screening_rejections": rejections["total"],
        "tasks_to_villages": {
            "now": tasks_now["assignments"],
            "before": tasks_before["assignments"],
            "change": domain.change(tasks_now["assignments"], tasks_before["assignments"]),
        },
        "hard_matters": {
            "now": {k: now[k] for k in ("hard", "hard_resolved", "completion_rate", "avg_days_to_close")},
            "before": {
                k: before[k] for k in ("hard", "hard_resolved", "completion_rate", "avg_days_to_close")
            },
        },
        "small_matters": {
            "now": {k: now[k] for k in ("reported", "escalated", "escalation_rate")},
            "before": {k: before[k] for k in ("reported", "escalated", "escalation_rate")},
            "change": domain.change(now["escalation_rate"], before["escalation_rate"]),
        },
        "department_dispatch_resolved": now["department_dispatch_resolved"],
        "procedures_completed": _procedures(session, path, start, end),
    }
