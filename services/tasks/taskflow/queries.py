"""Read side of taskflow: every list is filtered in SQL to what the actor may see, in one
query per list (plus one count), never one query per row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from common import uploads, xlsx
from common.errors import DomainError
from common.scope import Actor
from common.storage import contains_text, in_scope, paginate
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Assignment, Decision, LedgerEntry, Matter, Task, TaskTarget
from services.tasks.taskflow.screening_stats import (
    flagged_by_screening,
    negative_list_figures,
    screening_view,
)


def page(items: list, total: int, q: dict) -> dict:
    return {"items": items, "meta": {"page": q["page"], "per_page": q["per_page"], "total": total}}


# -- catalogue -------------------------------------------------------------------------


def matter_dict(m: Matter) -> dict:
    return {
        "id": m.id,
        "code": m.code,
        "version": m.version,
        "current": m.current,
        "name": m.name,
        "category": m.category,
        "levels": list(m.levels),
        "level_labels": [domain.LEVEL_LABELS[x] for x in m.levels],
        "department": m.department,
        "default_days": m.default_days,
        "major": m.major,
        "evidence": list(m.evidence),
        "evidence_labels": [domain.EVIDENCE_LABELS[x] for x in m.evidence],
        "keywords": m.keywords,
        "aliases": m.aliases or "",
        "description": m.description,
        "created_at": m.created_at,
        "retired_at": m.retired_at,
        "retired": m.retired_at is not None,
    }


def catalogue(session: Session, q: dict) -> tuple[list[Matter], int]:
    query = select(Matter).where(Matter.current).order_by(Matter.code)
    if not q["include_retired"]:
        query = query.where(Matter.retired_at.is_(None))
    if q.get("q"):
        query = query.where(
            contains_text((Matter.name, Matter.code, Matter.keywords, Matter.aliases), q["q"])
        )
    if q.get("category"):
        query = query.where(Matter.category == q["category"])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    if q.get("level"):  # levels is JSON: filter the page in Python (the catalogue is small)
        rows = [m for m in rows if q["level"] in m.levels]
    return rows, total


def matter_versions(session: Session, code: str) -> list[Matter]:
    return list(session.scalars(select(Matter).where(Matter.code == code).order_by(Matter.version)))


XLSX_HEADERS = [
    "事项编码",
    "事项名称",
    "类别",
    "可派层级",
    "主管部门",
    "默认期限(天)",
    "重大事项",
    "完成佐证",
    "关键词",
    "说明",
    "状态",
    "别名",  # added later: workbooks without it still import, and keep the aliases
]
_LEVEL_OF = {v: k for k, v in domain.LEVEL_LABELS.items()}
_EVIDENCE_OF = {v: k for k, v in domain.EVIDENCE_LABELS.items()}


def catalogue_xlsx(session: Session) -> bytes:
    rows = (
        [
            m.code,
            m.name,
            m.category,
            "、".join(domain.LEVEL_LABELS[x] for x in m.levels),
            m.department,
            m.default_days,
            "是" if m.major else "否",
            "、".join(domain.EVIDENCE_LABELS[x] for x in m.evidence),
            m.keywords,
            m.description,
            "停用" if m.retired_at else "在用",
            m.aliases or "",
        ]
        for m in session.scalars(select(Matter).where(Matter.current).order_by(Matter.code))
    )
    return xlsx.write_workbook("事项清单", XLSX_HEADERS, rows)


def _split(text) -> list[str]:
    raw = str(text or "")
    for sep in (",", ",", "/", " ", ";", ";"):
        raw = raw.replace(sep, "、")
    return [p.strip() for p in raw.split("、") if p.strip()]


def parse_catalogue_xlsx(content: bytes) -> tuple[list[dict], list[dict]]:
    """Rows of a catalogue workbook (Chinese headers as exported), and row errors."""
    try:
        rows = uploads.xlsx_rows(content)  # size-checked, parsed off the hub
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same answer
        raise DomainError("import_unreadable", {"detail": "不是有效的 .xlsx 文件"}) from exc
    if not rows:
        raise DomainError("import_unreadable", {"detail": "文件是空的"})
    header = [str(h or "").strip() for h in rows[0]]
    missing = [h for h in XLSX_HEADERS[:8] if h not in header]
    if missing:
        raise DomainError("import_unreadable", {"detail": "缺少表头:" + "、".join(missing)})
    col = {h: header.index(h) for h in XLSX_HEADERS if h in header}
    result, errors, seen = [], [], set()
    for n, row in enumerate(rows[1:], start=2):
        if not row or all(v in (None, "") for v in row):
            continue

        def cell(name, row=row):
            i = col.get(name)
            return row[i] if i is not None and i < len(row) else None

        problems = []
        code = str(cell("事项编码") or "").strip()
        name = str(cell("事项名称") or "").strip()
        if not code or len(code) > 32:
            problems.append("事项编码不能为空且不超过32位")
        elif code in seen:
            problems.append(f"事项编码 {code} 重复")
        seen.add(code)
        if not name:
            problems.append("事项名称不能为空")
        levels = [_LEVEL_OF.get(x) for x in _split(cell("可派层级"))]
        if not levels or None in levels or "county" in levels:
            problems.append("可派层级只能填写 乡镇、村、网格")
        evidence = [_EVIDENCE_OF.get(x) for x in _split(cell("完成佐证"))]
        if None in evidence:
            problems.append("完成佐证只能填写 文字说明、照片、定位、附件")
        try:
            days = int(cell("默认期限(天)") or 7)
            if not 1 <= days <= 365:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("默认期限应为1到365之间的整数")
            days = 7
        major = str(cell("重大事项") or "否").strip()
        if major not in ("是", "否"):
            problems.append("重大事项填写 是 或 否")
        status = str(cell("状态") or "在用").strip()
        if status not in ("在用", "停用"):
            problems.append("状态填写 在用 或 停用")
        if problems:
            errors.append({"row": n, "errors": problems})
            continue
        extra = {"aliases": str(cell("别名") or "").strip()} if "别名" in col else {}
        result.append(
            extra
            | {
                "code": code,
                "name": name,
                "category": str(cell("类别") or "").strip(),
                "levels": levels,
                "department": str(cell("主管部门") or "").strip(),
                "default_days": days,
                "major": major == "是",
                "evidence": evidence,
                "keywords": str(cell("关键词") or "").strip(),
                "description": str(cell("说明") or "").strip(),
                "retired": status == "停用",
            }
        )
    return result, errors


# -- tasks -----------------------------------------------------------------------------


def task_visibility(actor: Actor):
    """SQL: the tasks the actor sent (or their department sent), or that lie in their scope
    as a reviewer."""
    conditions = [Task.sender_id == actor.id]
    if actor.has("department_staff") and actor.department_id is not None:
        conditions.append(Task.sender_department_id == actor.department_id)
    if actor.has(*domain.REVIEWER_ROLES):
        conditions.append(in_scope(Task.org_path, actor.scope))
    return or_(*conditions)


def may_see_task(actor: Actor, task: Task) -> bool:
    return (
        task.sender_id == actor.id
        or (
            actor.has("department_staff")
            and actor.department_id is not None
            and task.sender_department_id == actor.department_id
        )
        or (actor.has(*domain.REVIEWER_ROLES) and actor.covers(task.org_path))
    )


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
    return page(task_dicts(session, rows), total, q) | {"counts": counts}


# -- assignments -----------------------------------------------------------------------


def assignment_visibility(actor: Actor):
    conditions = [Assignment.assignee_id == actor.id, Task.sender_id == actor.id]
    if actor.has("department_staff") and actor.department_id is not None:
        conditions.append(Task.sender_department_id == actor.department_id)
    roles = set(domain.READER_ROLES) - {"department_staff"}
    if actor.has(*roles):
        conditions.append(in_scope(Assignment.org_path, actor.scope))
    return or_(*conditions)


def assignment_dict(a, evidence_required: list[str], today: date) -> dict:
    """An assignment (the ORM object or a row with its columns) as the contract shows it."""
    return {
        "id": a.id,
        "task_id": a.task_id,
        "matter_code": a.matter_code,
        "title": a.title,
        "township_id": a.township_id,
        "village_id": a.village_id,
        "village_name": a.village_name,
        "grid_id": a.grid_id,
        "org_path": a.org_path,
        "assignee_id": a.assignee_id,
        "status": a.status,
        "status_label": domain.ASSIGNMENT_STATUS_LABELS[a.status],
        "deadline": a.deadline,
        "overdue": a.status != "accepted" and a.deadline < today,
        "evidence": a.evidence,
        "evidence_required": evidence_required,
        "return_reason": a.return_reason,
        "dispatched_at": a.dispatched_at,
        "submitted_at": a.submitted_at,
        "accepted_at": a.accepted_at,
    }


def assignment_dicts(session: Session, rows: list[Assignment], today: date) -> list[dict]:
    task_ids = {a.task_id for a in rows}
    required: dict[int, list] = {}
    if task_ids:
        for task_id, evidence in session.execute(
            select(Task.id, Matter.evidence)
            .join(Matter, Matter.id == Task.matter_id)
            .where(Task.id.in_(task_ids))
        ):
            required[task_id] = list(evidence)
    return [assignment_dict(a, required.get(a.task_id, []), today) for a in rows]


def assignments(session: Session, actor: Actor, q: dict, today: date) -> dict:
    """My tasks: one page, its total and the counts by status, in two queries."""
    filters = []
    if q.get("matter_code"):
        filters.append(Assignment.matter_code == q["matter_code"])
    if q.get("task_id"):
        filters.append(Assignment.task_id == q["task_id"])
    if q.get("village_id"):
        filters.append(Assignment.village_id == q["village_id"])
    if q.get("due_before"):
        filters.append(Assignment.deadline <= q["due_before"])
    if q.get("overdue") is not None:
        late = and_(Assignment.status != "accepted", Assignment.deadline < today)
        filters.append(late if q["overdue"] else ~late)
    counts = dict(
        session.execute(
            select(Assignment.status, func.count())
            .join(Task, Task.id == Assignment.task_id)
            .where(assignment_visibility(actor), *filters)
            .group_by(Assignment.status)
        ).all()
    )
    # the page's total follows from the counts by status: no count(*) of its own
    total = counts.get(q["status"], 0) if q.get("status") else sum(counts.values())
    if q.get("status"):
        filters.append(Assignment.status == q["status"])
    items = []
    if total > (q["page"] - 1) * q["per_page"]:
        # plain rows (no ORM objects to track for a read), each with its matter's required
        # evidence, in the same query
        rows = session.execute(
            select(*Assignment.__table__.columns, Matter.evidence.label("evidence_required"))
            .join(Task, Task.id == Assignment.task_id)
            .outerjoin(Matter, Matter.id == Task.matter_id)
            .where(assignment_visibility(actor), *filters)
            .order_by(Assignment.deadline, Assignment.id)
            .limit(q["per_page"])
            .offset((q["page"] - 1) * q["per_page"])
        ).all()
        items = [assignment_dict(a, list(a.evidence_required or []), today) for a in rows]
    return page(items, total, q) | {"counts": counts}


def progress(session: Session, actor: Actor, task_id: int | None, today: date) -> list[dict]:
    """Per village: assignments by status, overdue and completion rate (the township view)."""
    query = (
        select(
            Assignment.village_id,
            Assignment.village_name,
            Assignment.township_id,
            Assignment.status,
            func.count(),
            func.sum(case((and_(Assignment.status != "accepted", Assignment.deadline < today), 1), else_=0)),
        )
        .join(Task, Task.id == Assignment.task_id)
        .where(assignment_visibility(actor))
        .group_by(Assignment.village_id, Assignment.village_name, Assignment.township_id, Assignment.status)
    )
    if task_id:
        query = query.where(Assignment.task_id == task_id)
    villages: dict[int, dict] = {}
    for village_id, name, township_id, status, n, late in session.execute(query):
        row = villages.setdefault(
            village_id,
            {
                "village_id": village_id,
                "village_name": name,
                "township_id": township_id,
                "total": 0,
                "accepted": 0,
                "overdue": 0,
                "by_status": {},
            },
        )
        row["total"] += n
        row["overdue"] += int(late or 0)
        row["by_status"][status] = n
        if status == "accepted":
            row["accepted"] += n
    for row in villages.values():
        row["completion_rate"] = round(row["accepted"] / row["total"], 4) if row["total"] else 0.0
        row["dispatched"] = True
    if task_id:  # the targets not dispatched yet stand beside the others
        task = session.scalar(select(Task).where(Task.id == task_id, task_visibility(actor)))
        for v in (task.undispatched or []) if task is not None else []:
            if v["village_id"] not in villages:
                villages[v["village_id"]] = {
                    **v,
                    "total": 0,
                    "accepted": 0,
                    "overdue": 0,
                    "by_status": {"not_dispatched": 1},
                    "completion_rate": 0.0,
                    "dispatched": False,
                }
    return sorted(villages.values(), key=lambda r: (r["township_id"] or 0, r["village_id"]))


# -- ledger ----------------------------------------------------------------------------


def ledger_visibility(actor: Actor):
    """Ledger rows in the actor's scope; department staff see the rows of their own tasks."""
    if actor.has("department_staff") and not actor.has(*domain.REVIEWER_ROLES):
        own = select(Task.id).where(
            or_(Task.sender_id == actor.id, Task.sender_department_id == (actor.department_id or -1))
        )
        return LedgerEntry.task_id.in_(own)
    return in_scope(LedgerEntry.org_path, actor.scope)


def ledger_dict(e: LedgerEntry) -> dict:
    return {
        "id": e.id,
        "at": e.at,
        "month": e.month,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "action_label": domain.ACTION_LABELS.get(e.action, e.action),
        "task_id": e.task_id,
        "assignment_id": e.assignment_id,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "org_path": e.org_path,
        "village_id": e.village_id,
        "detail": e.detail,
    }


def ledger(session: Session, actor: Actor, q: dict) -> dict:
    query = select(LedgerEntry).where(ledger_visibility(actor))
    if q.get("village_id"):
        query = query.where(LedgerEntry.village_id == q["village_id"])
    if q.get("task_id"):
        query = query.where(LedgerEntry.task_id == q["task_id"])
    if q.get("month"):
        query = query.where(LedgerEntry.month == q["month"])
    rows, total = paginate(session, query.order_by(LedgerEntry.id), q["page"], q["per_page"])
    return page([ledger_dict(e) for e in rows], total, q)


_STATUS_LABELS = {**domain.TASK_STATUS_LABELS, **domain.ASSIGNMENT_STATUS_LABELS}


def ledger_xlsx(session: Session, actor: Actor, village_id: int, month: str) -> tuple[bytes, int]:
    rows = session.scalars(
        select(LedgerEntry)
        .where(ledger_visibility(actor), LedgerEntry.village_id == village_id, LedgerEntry.month == month)
        .order_by(LedgerEntry.id)
    ).all()
    titles = dict(
        session.execute(
            select(Task.id, Task.title).where(Task.id.in_({e.task_id for e in rows if e.task_id}))
        ).all()
    )
    header = [
        "序号",
        "时间(北京时间)",
        "任务编号",
        "任务名称",
        "办理单编号",
        "操作",
        "操作人",
        "原状态",
        "新状态",
        "说明",
    ]
    lines = (
        [
            n,
            (e.at if e.at.tzinfo else e.at.replace(tzinfo=domain.UTC))
            .astimezone(domain.LOCAL)
            .strftime("%Y-%m-%d %H:%M:%S"),
            e.task_id,
            titles.get(e.task_id, ""),
            e.assignment_id,
            domain.ACTION_LABELS.get(e.action, e.action),
            e.actor_name,
            _STATUS_LABELS.get(e.from_status, e.from_status or ""),
            _STATUS_LABELS.get(e.to_status, e.to_status or ""),
            _describe(e.detail),
        ]
        for n, e in enumerate(rows, start=1)
    )
    return xlsx.write_workbook(f"{month}台账", header, lines), len(rows)


def _describe(detail: dict) -> str:
    parts = []
    for key, value in (detail or {}).items():
        if key == "evidence" and isinstance(value, dict):
            value = ";".join(
                f"{domain.EVIDENCE_LABELS.get(k[:-1] if k.endswith('s') else k, k)}:{v}"
                for k, v in value.items()
                if v
            )
        parts.append(f"{key}={value}")
    return ";".join(parts)


# -- statistics ------------------------------------------------------------------------


def stats_scope(actor: Actor):
    """(task condition, assignment condition) for the figures this actor may read."""
    if actor.has("county_admin", "township_leader"):
        return in_scope(Task.org_path, actor.scope), in_scope(Assignment.org_path, actor.scope)
    if actor.has("department_staff"):
        own = or_(Task.sender_id == actor.id, Task.sender_department_id == (actor.department_id or -1))
        return own, own
    if actor.has("village_secretary"):
        return in_scope(Task.org_path, actor.scope), in_scope(Assignment.org_path, actor.scope)
    raise DomainError("forbidden")


def _period_figures(session: Session, actor: Actor, start: str, end: str) -> dict:
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
        "received": submitted - rejected - needs_code,
        "rejected": rejected,
        "rejected_by_reason": {r: by_reason.get(r, 0) for r in domain.REJECT_REASONS},
        "needs_code": needs_code,
        "returned": by_status.get("returned", 0),
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
    current = _period_figures(session, actor, start, end)
    previous = _period_figures(session, actor, prev_start, prev_end)
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
