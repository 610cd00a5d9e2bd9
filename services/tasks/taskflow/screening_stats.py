"""What content screening shows: the screening fields of a task's view, and the
negative-list figures the rejection statistics count by rule (in SQL, one query each)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select

from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Task
from services.tasks.taskflow.screening import NO_MATCH_MESSAGE
from services.tasks.taskflow.screening_models import ScreeningHit


def screening_view(t: Task) -> dict:
    reasons = t.screening_reasons or []
    no_match = t.status == "needs_code" and not t.suggestions
    return {
        "screening_reasons": reasons,
        "held": any(r["kind"] == domain.NEGATIVE_LIST for r in reasons),
        "code_mismatch": bool(t.code_mismatch),
        "no_match": no_match,
        "no_match_message": NO_MATCH_MESSAGE if no_match else None,
    }


def flagged_by_screening():
    """SQL: the task hit the negative list, or its code does not fit its text."""
    hit = select(ScreeningHit.id).where(ScreeningHit.task_id == Task.id).exists()
    return or_(hit, Task.code_mismatch.is_(True))


def _since(query, since: date | None):
    if since:
        start = datetime(since.year, since.month, since.day, tzinfo=domain.LOCAL)
        query = query.where(ScreeningHit.received_at >= start)
    return query


def negative_list_figures(session, task_cond, since: date | None = None, months=None) -> dict:
    """Tasks that hit the negative list in the actor's scope: how many, by rule, and rows
    by sender and month like the code rejections'. `months`: (start, end) YYYY-MM."""
    base = select(ScreeningHit).join(Task, Task.id == ScreeningHit.task_id).where(task_cond)
    if months:
        base = base.where(ScreeningHit.received_month.between(*months))
    base = _since(base, since).subquery()
    tasks = session.scalar(select(func.count(func.distinct(base.c.task_id)))) or 0
    by_rule = {
        rule_id: {"rule_name": name, "count": n}
        for rule_id, name, n in session.execute(
            select(base.c.rule_id, func.max(base.c.rule_name), func.count())
            .group_by(base.c.rule_id)
            .order_by(base.c.rule_id)
        )
    }
    keys = (base.c.sender_id, base.c.sender_name, base.c.sender_department_id, base.c.received_month)
    rows = [
        {
            "reason": domain.NEGATIVE_LIST,
            "reason_label": domain.NEGATIVE_LIST_LABEL,
            "sender_id": sender_id,
            "sender_name": sender_name,
            "sender_department_id": dept,
            "month": month,
            "count": n,
        }
        for sender_id, sender_name, dept, month, n in session.execute(
            select(*keys, func.count(func.distinct(base.c.task_id))).group_by(*keys).order_by(*keys[::-1])
        )
    ]
    return {"tasks": tasks, "by_rule": by_rule, "rows": rows}
