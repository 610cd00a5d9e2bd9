"""Read side of the procedures capability: procedures and projects as the actor may see
them, the verification of the ledger chains, their .xlsx export, and statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common import roles, xlsx
from common.paging import page_of
from common.scope import Actor
from common.storage import in_scope, paginate
from services.tasks.fieldwork import evidence as evidence_rule
from services.tasks.procedures import domain
from services.tasks.procedures.commands import ancestors, steps_of
from services.tasks.procedures.models import (
    Bid,
    LedgerEntry,
    LedgerHead,
    Procedure,
    Project,
    StepReturn,
    Template,
)
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow.models import LedgerEntry as TaskLedgerEntry

CHAIN_ROLES = roles.CHAIN_READERS
ACTION_LABELS = {
    "template_created": "新增程序模板",
    "template_updated": "修改程序模板",
    "procedure_started": "启动议事程序",
    "step_completed": "完成程序步骤",
    "step_returned": "程序步骤退回",
    "procedure_completed": "议事程序完成",
    "project_posted": "发布揭榜项目",
    "bid_submitted": "村社竞榜",
    "bid_revised": "修改竞榜材料",
    "project_awarded": "公开揭榜",
}


def template_dict(t: Template) -> dict:
    return {
        "id": t.id,
        "code": t.code,
        "version": t.version,
        "current": t.current,
        "name": t.name,
        "description": t.description,
        "applies_to_major": t.applies_to_major,
        "matter_codes": t.matter_codes,
        "steps": t.steps,
        "created_at": t.created_at,
    }


def templates(session: Session) -> list[Template]:
    return list(session.scalars(select(Template).where(Template.current).order_by(Template.code)))


def template_versions(session: Session, code: str) -> list[Template]:
    return list(session.scalars(select(Template).where(Template.code == code).order_by(Template.version)))


# -- procedures ----------------------------------------------------------------------------


def procedure_dict(session: Session, p: Procedure) -> dict:
    template = session.get(Template, p.template_id)
    steps = steps_of(session, p)
    returns = session.scalars(
        select(StepReturn).where(StepReturn.procedure_id == p.id).order_by(StepReturn.id)
    )
    names = {s.position: s.name for s in steps}
    return {
        "id": p.id,
        "template_code": p.template_code,
        "template_version": p.template_version,
        "template_name": template.name,
        "title": p.title,
        "village_id": p.village_id,
        "township_id": p.township_id,
        "task_id": p.task_id,
        "assignment_id": p.assignment_id,
        "matter_code": p.matter_code,
        "status": p.status,
        "status_label": domain.PROCEDURE_STATUS_LABELS[p.status],
        "current_step": p.current_step,
        "returns": p.returns,
        "started_by": p.started_by,
        "started_at": p.started_at,
        "completed_at": p.completed_at,
        "days": tf_domain.days_between(p.started_at, p.completed_at) if p.completed_at else None,
        "steps": [
            {
                "position": s.position,
                "key": s.key,
                "name": s.name,
                "roles": template.steps[s.position]["roles"],
                "required_evidence": template.steps[s.position].get("evidence", []),
                "rules": template.steps[s.position].get("rules", {}),
                "status": s.status,
                "status_label": domain.STEP_STATUS_LABELS[s.status],
                "opened_at": s.opened_at,
                "completed_at": s.completed_at,
                "evidence": s.evidence,
                "evidence_warnings": evidence_rule.warnings(
                    (s.evidence or {}).get("files") or [], "procedure"
                ),
            }
            for s in steps
        ],
        "return_history": [
            {
                "position": r.position,
                "step_key": r.step_key,
                "step_name": names.get(r.position, r.step_key),
                "reasons": r.reasons,
                "actor_id": r.actor_id,
                "at": r.at,
            }
            for r in returns
        ],
    }


def procedures(session: Session, actor: Actor, q: dict) -> dict:
    query = select(Procedure).where(in_scope(Procedure.org_path, actor.scope)).order_by(Procedure.id.desc())
    for key in ("status", "village_id", "template_code", "assignment_id"):
        if key in q:
            query = query.where(getattr(Procedure, key) == q[key])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return page_of([procedure_dict(session, p) for p in rows], total, q)


# -- projects ------------------------------------------------------------------------------


def project_visibility(actor: Actor):
    above = sorted({a for p in actor.scope for a in ancestors(p)})
    return or_(in_scope(Project.org_path, actor.scope), Project.org_path.in_(above or ["-"]))


def project_dict(session: Session, project: Project, bids: list[Bid] | None = None) -> dict:
    if bids is None:
        count = session.scalar(select(func.count(Bid.id)).where(Bid.project_id == project.id))
    else:
        count = len(bids)
    winner = session.get(Bid, project.awarded_bid_id) if project.awarded_bid_id else None
    return {
        "id": project.id,
        "township_id": project.township_id,
        "title": project.title,
        "description": project.description,
        "budget": project.budget,
        "criteria": project.criteria,
        "matter_code": project.matter_code,
        "deadline": project.deadline,
        "status": project.status,
        "status_label": domain.PROJECT_STATUS_LABELS[project.status],
        "bidding_open": project.status == "open" and domain.bidding_open(project.deadline, datetime.now(UTC)),
        "posted_by": project.posted_by,
        "posted_by_name": project.posted_by_name,
        "posted_at": project.posted_at,
        "bids_count": count,
        "awarded_bid_id": project.awarded_bid_id,
        "awarded_village_id": winner.village_id if winner else None,
        "award_reason": project.award_reason,
        "awarded_at": project.awarded_at,
        "task_id": project.task_id,
    }


def visible_bids(session: Session, actor: Actor, project: Project, now: datetime) -> list[Bid]:
    """Side by side for the township; a village sees only its own bid until the deadline,
    and every bid afterwards (the comparison and the award are public)."""
    bids = list(session.scalars(select(Bid).where(Bid.project_id == project.id).order_by(Bid.id)))
    if actor.covers(project.org_path) or not domain.bidding_open(project.deadline, now):
        return bids
    return [b for b in bids if actor.covers(b.org_path)]


def bid_dict(b: Bid) -> dict:
    return {
        "id": b.id,
        "project_id": b.project_id,
        "village_id": b.village_id,
        "village_name": b.village_name,
        "case": b.case,
        "attachments": b.attachments,
        "files": b.files or [],
        "submitted_by": b.submitted_by,
        "submitted_at": b.submitted_at,
        "revised_at": b.revised_at,
        "status": b.status,
    }


def projects(session: Session, actor: Actor, q: dict) -> dict:
    query = select(Project).where(project_visibility(actor)).order_by(Project.id.desc())
    if "status" in q:
        query = query.where(Project.status == q["status"])
    rows, total = paginate(session, query, q["page"], q["per_page"])
    return page_of([project_dict(session, p) for p in rows], total, q)


# -- the ledger chains ---------------------------------------------------------------------


def _tf_content(e: TaskLedgerEntry) -> str:
    return tf_domain.canonical(
        {
            "at": e.at,
            "month": e.month,
            "actor_id": e.actor_id,
            "actor_name": e.actor_name,
            "action": e.action,
            "task_id": e.task_id,
            "assignment_id": e.assignment_id,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "org_path": e.org_path,
            "township_id": e.township_id,
            "village_id": e.village_id,
            "detail": e.detail,
        }
    )


def _pr_content(e: LedgerEntry) -> str:
    return tf_domain.canonical(
        {
            "at": e.at,
            "actor_id": e.actor_id,
            "actor_name": e.actor_name,
            "action": e.action,
            "procedure_id": e.procedure_id,
            "project_id": e.project_id,
            "org_path": e.org_path,
            "detail": e.detail,
        }
    )


LEDGER_MODELS = {"tf": (TaskLedgerEntry, _tf_content), "pr": (LedgerEntry, _pr_content)}


def _chain_filter(column, actor: Actor, village_id: int | None):
    condition = in_scope(column, actor.scope)
    if village_id is not None:
        condition = condition & column.endswith(f"/{village_id}/", autoescape=True)
    return condition


def chain_rows(session: Session, ledger: str, actor: Actor, village_id: int | None):
    model, _ = LEDGER_MODELS[ledger]
    return session.scalars(
        select(model)
        .where(model.chain.is_not(None), _chain_filter(model.chain, actor, village_id))
        .order_by(model.chain, model.chain_seq, model.id)
        .execution_options(yield_per=2000)
    )


def verify(session: Session, actor: Actor, q: dict) -> dict:
    """Walk every chain in the actor's scope and report the first broken link of each."""
    ledgers = [q["ledger"]] if "ledger" in q else list(LEDGER_MODELS)
    village_id = q.get("village_id")
    broken, chains, rows = [], 0, 0
    for ledger in ledgers:
        _, content_of = LEDGER_MODELS[ledger]
        heads = {
            h.chain: h
            for h in session.scalars(
                select(LedgerHead).where(
                    LedgerHead.ledger == ledger, _chain_filter(LedgerHead.chain, actor, village_id)
                )
            )
        }
        by_chain: dict[str, list[domain.Link]] = {}
        for e in chain_rows(session, ledger, actor, village_id):
            by_chain.setdefault(e.chain, []).append(
                domain.Link(e.id, e.chain_seq, e.content, content_of(e), e.prev_hash, e.hash, e.hash_alg)
            )
            rows += 1
        for key in sorted(set(by_chain) | set(heads)):
            chains += 1
            head = heads.get(key)
            found = domain.verify_chain(
                by_chain.get(key, []), head.hash if head else None, head.seq if head else None
            )
            if head is None and found is None:
                found = {"id": None, "seq": None, "reason": "head_mismatch"}
            if found:
                broken.append(
                    {
                        "ledger": ledger,
                        "chain": key,
                        **found,
                        "reason_label": domain.BREAK_LABELS[found["reason"]],
                    }
                )
    return {
        "ok": not broken,
        "chains": chains,
        "rows": rows,
        "first_broken": broken[0] if broken else None,
        "broken": broken,
    }


def _local(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(tf_domain.LOCAL).strftime("%Y-%m-%d %H:%M:%S")


def chain_xlsx(session: Session, actor: Actor, ledger: str, village_id: int) -> tuple[bytes, int]:
    """A village's chained ledger for the archives, with each row's hashes."""
    header = [
        "序号",
        "链内序号",
        "时间(北京时间)",
        "操作",
        "操作人",
        "对象",
        "内容(规范文本)",
        "前一哈希",
        "本条哈希",
    ]
    lines = []
    for n, e in enumerate(chain_rows(session, ledger, actor, village_id), start=1):
        if ledger == "tf":
            subject = f"任务 {e.task_id}" + (f" / 办理单 {e.assignment_id}" if e.assignment_id else "")
            label = tf_domain.ACTION_LABELS.get(e.action, e.action)
        else:
            subject = f"议事程序 {e.procedure_id}" if e.procedure_id else f"揭榜项目 {e.project_id}"
            label = ACTION_LABELS.get(e.action, e.action)
        lines.append(
            [n, e.chain_seq, _local(e.at), label, e.actor_name, subject, e.content, e.prev_hash, e.hash]
        )
    return xlsx.write_workbook("台账(含哈希链)", header, lines), len(lines)


# -- statistics ----------------------------------------------------------------------------


def _bounds(q: dict) -> tuple[datetime, datetime]:
    start = q.get("since") or date(2000, 1, 1)
    end = q.get("until") or date(9999, 12, 30)
    return (
        datetime.combine(start, time.min, tf_domain.LOCAL),
        datetime.combine(end + timedelta(days=1), time.min, tf_domain.LOCAL),
    )


def stats(session: Session, actor: Actor, q: dict) -> dict:
    start, end = _bounds(q)
    scoped = in_scope(Procedure.org_path, actor.scope)
    window = (Procedure.started_at >= start) & (Procedure.started_at < end)
    procs = list(session.scalars(select(Procedure).where(scoped, window)))
    by_template: dict[str, dict] = {}
    durations: list[float] = []
    for p in procs:
        row = by_template.setdefault(
            p.template_code, {"template_code": p.template_code, "started": 0, "completed": 0, "_days": []}
        )
        row["started"] += 1
        if p.completed_at:
            days = tf_domain.days_between(p.started_at, p.completed_at)
            row["completed"] += 1
            row["_days"].append(days)
            durations.append(days)
    returns = list(
        session.scalars(
            select(StepReturn).where(
                in_scope(StepReturn.org_path, actor.scope), StepReturn.at >= start, StepReturn.at < end
            )
        )
    )
    step_names = {(t.code, s["key"]): s["name"] for t in session.scalars(select(Template)) for s in t.steps}
    by_step: dict[tuple, int] = {}
    by_reason: dict[str, int] = {}
    for r in returns:
        by_step[(r.template_code, r.step_key)] = by_step.get((r.template_code, r.step_key), 0) + 1
        for reason in {x["code"] for x in r.reasons}:
            by_reason[reason] = by_reason.get(reason, 0) + 1
    visible = project_visibility(actor)
    posted = list(
        session.scalars(select(Project).where(visible, Project.posted_at >= start, Project.posted_at < end))
    )
    ids = [p.id for p in posted] or [-1]
    bids = session.execute(select(Bid.village_id).where(Bid.project_id.in_(ids))).scalars().all()
    return {
        "procedures_started": len(procs),
        "procedures_completed": len(durations),
        "procedures_open": len(procs) - len(durations),
        "avg_days_to_complete": round(sum(durations) / len(durations), 2) if durations else None,
        "by_template": [
            {k: v for k, v in row.items() if k != "_days"}
            | {"avg_days": round(sum(row["_days"]) / len(row["_days"]), 2) if row["_days"] else None}
            for row in sorted(by_template.values(), key=lambda r: r["template_code"])
        ],
        "steps_returned": len(returns),
        "returns_by_step": [
            {"key": f"{code}.{key}", "label": step_names.get((code, key), key), "count": count}
            for (code, key), count in sorted(by_step.items(), key=lambda kv: -kv[1])
        ],
        "returns_by_reason": [
            {"key": code, "label": domain.RETURN_REASONS.get(code, code), "count": count}
            for code, count in sorted(by_reason.items(), key=lambda kv: -kv[1])
        ],
        "projects_posted": len(posted),
        "projects_awarded": sum(1 for p in posted if p.status == "awarded"),
        "bids": len(bids),
        "villages_bidding": len(set(bids)),
    }
