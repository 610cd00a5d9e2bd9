"""Read side of fieldwork: scoped queries, one query per list, statistics in SQL."""

from __future__ import annotations

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from common import roles
from common.errors import DomainError, not_found
from common.scope import Actor
from common.storage import in_scope, paginate
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.commands import matter_state, platform_staff
from services.tasks.fieldwork.domain import LEVEL_LABELS, PLACE_READERS, STATUS_LABELS, Level, Status
from services.tasks.fieldwork.models import (
    Alert,
    Attachment,
    LedgerEntry,
    Matter,
    Visit,
    VisitList,
    VisitListItem,
)
from services.tasks.fieldwork.orders import department_orders

ACTION_LABELS = {
    "reported": "上报",
    "escalated": "上报上一级",
    "dispatched": "派单",
    "taken": "接单",
    "resolved": "办结",
    "rated": "评价",
    "visit_recorded": "记录走访",
    "visit_rated": "农户评价",
    "rating_code_resent": "重发评价码",
}


# -- visibility -----------------------------------------------------------------------


def matter_visible(actor: Actor):
    """SQL: the matters this person may see."""
    clauses = []
    if actor.has(*PLACE_READERS):
        clauses.append(in_scope(Matter.org_path, actor.scope))
    if actor.has("member"):  # what they raised or found on their households' visits
        clauses.append(or_(Matter.member_id == actor.id, Matter.reporter_id == actor.id))
    if actor.has("resident"):  # their own mailbox items only
        clauses.append(Matter.reporter_id == actor.id)
    clauses.append(department_orders(actor))
    return or_(*clauses)


def visit_visible(actor: Actor):
    clauses = []
    if actor.has(*PLACE_READERS):
        clauses.append(in_scope(Visit.org_path, actor.scope))
    if actor.has("member"):
        clauses.append(Visit.member_id == actor.id)
    return or_(*clauses) if clauses else false()


# -- visit lists ----------------------------------------------------------------------


def my_list(session: Session, actor: Actor, month: str) -> dict:
    items = session.scalars(
        select(VisitListItem)
        .where(VisitListItem.month == month, VisitListItem.member_id == actor.id)
        .order_by(VisitListItem.household_id)
    ).all()
    visited = sum(1 for i in items if i.visit_id is not None)
    return {
        "month": month,
        "member_id": actor.id,
        "households": len(items),
        "visited": visited,
        "visit_rate": domain.rate(visited, len(items)),
        "items": [
            {
                "household_id": i.household_id,
                "grid_id": i.grid_id,
                "visited": i.visit_id is not None,
                "visit_id": i.visit_id,
                "visited_at": i.visited_at,
                "rating": i.rating,
            }
            for i in items
        ],
    }


def list_summaries(session: Session, actor: Actor, month: str, grid_id, member_id, page, per_page) -> tuple:
    query = (
        select(
            VisitListItem.member_id,
            func.min(VisitListItem.grid_id),
            func.min(VisitListItem.village_id),
            func.count(),
            func.count(VisitListItem.visit_id),
        )
        .where(VisitListItem.month == month, in_scope(VisitListItem.org_path, actor.scope))
        .group_by(VisitListItem.member_id)
        .order_by(VisitListItem.member_id)
    )
    if grid_id is not None:
        query = query.where(VisitListItem.grid_id == grid_id)
    if member_id is not None:
        query = query.where(VisitListItem.member_id == member_id)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = [
        {
            "member_id": m,
            "grid_id": g,
            "village_id": v,
            "households": n,
            "visited": done,
            "visit_rate": domain.rate(done, n),
        }
        for m, g, v, n, done in rows
    ]
    return items, int(total or 0)


def issued_lists(session: Session, month: str) -> int:
    return int(
        session.scalar(select(func.count()).select_from(VisitList).where(VisitList.month == month)) or 0
    )


# -- visits ---------------------------------------------------------------------------


def visit_dict(visit: Visit, matter_ids: list[int] | None = None, code_sent: bool | None = None) -> dict:
    result = {
        "id": visit.id,
        "month": visit.month,
        "member_id": visit.member_id,
        "household_id": visit.household_id,
        "grid_id": visit.grid_id,
        "visited_at": visit.visited_at,
        "notes": visit.notes,
        "attachment_ids": visit.attachment_ids,
        "on_time": visit.on_time,
        "needs_raised": visit.needs_raised,
        "rating": visit.rating,
        "rating_comment": visit.rating_comment,
        "location": None if visit.latitude is None else {"lat": visit.latitude, "lng": visit.longitude},
    }
    if matter_ids is not None:
        result["matter_ids"] = matter_ids
    if code_sent is not None:
        result["rating_code_sent"] = code_sent
    return result


def visits(session: Session, actor: Actor, q: dict) -> tuple[list[dict], int]:
    query = select(Visit).where(visit_visible(actor)).order_by(Visit.visited_at.desc(), Visit.id.desc())
    for key in ("month", "member_id", "household_id", "grid_id"):
        if q.get(key) is not None:
            query = query.where(getattr(Visit, key) == q[key])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return [visit_dict(v) for v in rows], total


def visit(session: Session, actor: Actor, visit_id: int) -> dict:
    row = session.scalar(select(Visit).where(Visit.id == visit_id, visit_visible(actor)))
    if row is None:
        raise not_found("走访记录", "visit")
    matter_ids = list(session.scalars(select(Matter.id).where(Matter.visit_id == row.id).order_by(Matter.id)))
    return visit_dict(row, matter_ids)


# -- matters --------------------------------------------------------------------------


def matter_dict(m: Matter, ledger: list[LedgerEntry] | None = None) -> dict:
    result = {
        "id": m.id,
        "title": m.title,
        "description": m.description,
        "source": m.source,
        "kind": m.kind,
        "level": m.level,
        "level_label": LEVEL_LABELS[Level(m.level)],
        "status": m.status,
        "status_label": STATUS_LABELS[Status(m.status)],
        "grid_id": m.grid_id,
        "village_id": m.village_id,
        "township_id": m.township_id,
        "visit_id": m.visit_id,
        "household_id": m.household_id,
        "member_id": m.member_id,
        "reporter_id": m.reporter_id,
        "handler_id": m.handler_id,
        "department_id": m.department_id,
        "attachment_ids": m.attachment_ids,
        "deadline": m.deadline,
        "created_at": m.created_at,
        "resolved_at": m.resolved_at,
        "resolution": m.resolution,
        "rating": m.rating,
    }
    if ledger is not None:
        result["ledger"] = [
            {
                "at": e.at,
                "action": e.action,
                "action_label": ACTION_LABELS.get(e.action, e.action),
                "actor_id": e.actor_id,
                "from_level": e.from_level,
                "to_level": e.to_level,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in ledger
        ]
    return result


def waiting_for(actor: Actor):
    """SQL: what waits for this person to act on."""
    open_ = Matter.status.in_([Status.open.value, Status.taken.value])
    clauses = [Matter.handler_id == actor.id]
    if actor.has("village_secretary"):
        clauses.append(and_(Matter.level == Level.village.value, in_scope(Matter.org_path, actor.scope)))
    if actor.has("grid_worker"):
        clauses.append(and_(Matter.level == Level.grid.value, in_scope(Matter.org_path, actor.scope)))
    if actor.has(*roles.DEPARTMENT_DESKS) or platform_staff(actor):
        clauses.append(
            and_(
                Matter.level == Level.department.value,
                Matter.department_id.is_(None),
                in_scope(Matter.org_path, actor.scope),
            )
        )
    if actor.has("department_staff") and actor.department_id is not None:
        clauses.append(Matter.department_id == actor.department_id)
    return and_(open_, or_(*clauses))


def matters(session: Session, actor: Actor, q: dict) -> tuple[list[dict], int]:
    query = select(Matter).where(matter_visible(actor)).order_by(Matter.id.desc())
    for key in ("level", "status", "source", "grid_id"):
        if q.get(key) is not None:
            query = query.where(getattr(Matter, key) == q[key])
    if q.get("mine"):
        query = query.where(waiting_for(actor))
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return [matter_dict(m) for m in rows], total


def matter(session: Session, actor: Actor, matter_id: int) -> dict:
    m = session.scalar(select(Matter).where(Matter.id == matter_id, matter_visible(actor)))
    if m is None:
        raise not_found("事项", "matter")
    ledger = session.scalars(
        select(LedgerEntry).where(LedgerEntry.matter_id == m.id).order_by(LedgerEntry.id)
    ).all()
    return matter_dict(m, list(ledger))


def requester_of(session: Session, actor: Actor, matter_id: int) -> Matter:
    """The matter whose requester the actor may reach: 404 when they cannot see the matter
    (nothing said about whether it exists), 403 when they see it but neither took the order
    nor handle it at its level."""
    m = session.scalar(select(Matter).where(Matter.id == matter_id, matter_visible(actor)))
    if m is None:
        raise not_found("事项", "matter")
    if not domain.reaches_requester(actor, matter_state(m), platform_staff(actor)):
        raise DomainError("forbidden")
    return m


def can_see_matter(session: Session, actor: Actor, matter_id: int) -> bool:
    return session.scalar(select(Matter.id).where(Matter.id == matter_id, matter_visible(actor))) is not None


# -- attachments ----------------------------------------------------------------------


def attachment_for(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """The uploader, people whose scope covers where it was uploaded, or anyone who sees a
    matter or visit it belongs to."""
    a = session.get(Attachment, attachment_id)
    if a is None:
        raise not_found("附件", "attachment")
    if a.uploaded_by == actor.id or (actor.has(*PLACE_READERS) and actor.covers(a.org_path)):
        return a
    for model, visible in ((Matter, matter_visible(actor)), (Visit, visit_visible(actor))):
        lists = session.scalars(select(model.attachment_ids).where(visible, model.attachment_ids.isnot(None)))
        if any(attachment_id in (ids or []) for ids in lists):
            return a
    raise not_found("附件", "attachment")


# -- alerts ---------------------------------------------------------------------------


def alerts(session: Session, actor: Actor, q: dict) -> tuple[list[dict], int]:
    """People with a place see the alerts there; a member sees the alerts about themselves."""
    if actor.has(*PLACE_READERS):
        visible = in_scope(Alert.org_path, actor.scope)
    elif actor.has("member"):
        visible = and_(Alert.subject_kind == "member", Alert.subject_id == actor.id)
    else:
        visible = false()
    query = select(Alert).where(visible).order_by(Alert.id.desc())
    if q.get("month"):
        query = query.where(Alert.month == q["month"])
    if q.get("kind"):
        query = query.where(Alert.kind == q["kind"])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return [alert_dict(a) for a in rows], total


def alert_dict(a: Alert) -> dict:
    return {
        "id": a.id,
        "kind": a.kind,
        "subject_kind": a.subject_kind,
        "subject_id": a.subject_id,
        "month": a.month,
        "period": a.period,
        "value": a.value,
        "threshold": a.threshold,
        "person_ids": a.person_ids,
        "message": a.message,
        "created_at": a.created_at,
    }


# -- statistics -----------------------------------------------------------------------

GROUP_COLUMNS = {"township": "township_id", "village": "village_id", "grid": "grid_id"}


def _days(session: Session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def stats(session: Session, month: str, path: str, by: str | None) -> tuple[dict, list[dict]]:
    """Figures for the place under `path` in `month`, and per child unit when `by` is given.
    Visits count by the month they were due; matters by the month they were reported."""

    def grouped(model, columns, *where):
        key = getattr(model, GROUP_COLUMNS[by]) if by else None
        query = select(*(([key] if by else []) + columns)).where(
            model.month == month, model.org_path.startswith(path, autoescape=True), *where
        )
        if by:
            query = query.group_by(key)
        rows = session.execute(query).all()
        return {(row[0] if by else None): row[1:] if by else row for row in rows}

    items = grouped(VisitListItem, [func.count(), func.count(VisitListItem.visit_id)])
    ratings = grouped(
        Visit,
        [func.count(Visit.rating), func.avg(Visit.rating), func.sum(case((Visit.rating >= 4, 1), else_=0))],
    )
    done = Matter.status.in_([Status.resolved.value, Status.rated.value])
    dept = Matter.department_id.isnot(None)
    matters_ = grouped(
        Matter,
        [
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((Matter.escalated, 1), else_=0)),
            func.sum(case((and_(Matter.escalated, done), 1), else_=0)),
            func.avg(case((done, _days(session, Matter.resolved_at, Matter.created_at)), else_=None)),
            func.sum(case((dept, 1), else_=0)),
            func.sum(case((and_(dept, done), 1), else_=0)),
            func.avg(Matter.rating),
        ],
    )
    keys = sorted({k for k in (*items, *ratings, *matters_) if k is not None}) if by else [None]
    figures = [_figures(k, items.get(k), ratings.get(k), matters_.get(k)) for k in keys]
    if by:
        return stats(session, month, path, None)[0], figures
    return figures[0], []


def _figures(key, items, ratings, matters_) -> dict:
    due, visited = (int(items[0] or 0), int(items[1] or 0)) if items else (0, 0)
    rated, avg_rating, satisfied = (
        (int(ratings[0] or 0), ratings[1], int(ratings[2] or 0)) if ratings else (0, None, 0)
    )
    m = [0, 0, 0, 0, None, 0, 0, None] if not matters_ else list(matters_)
    reported, resolved, hard, hard_done = (int(m[i] or 0) for i in range(4))
    dispatched, dispatched_done = int(m[5] or 0), int(m[6] or 0)
    return {
        "org_unit_id": key,
        "list_items": due,
        "visited": visited,
        "visit_rate": domain.rate(visited, due),
        "ratings": rated,
        "satisfaction": round(float(avg_rating), 3) if avg_rating is not None else None,
        "satisfied_share": domain.rate(satisfied, rated),
        "matters_reported": reported,
        "matters_resolved": resolved,
        "completion_rate": domain.rate(resolved, reported),
        "hard_matters": hard,
        "hard_matters_resolved": hard_done,
        "hard_matter_completion_rate": domain.rate(hard_done, hard),
        "avg_days_to_close": round(float(m[4]), 3) if m[4] is not None else None,
        "department_dispatches": dispatched,
        "department_dispatches_resolved": dispatched_done,
        "matter_satisfaction": round(float(m[7]), 3) if m[7] is not None else None,
    }
