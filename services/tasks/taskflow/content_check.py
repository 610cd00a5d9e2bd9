"""Content screening of a task (基层减负防火墙), besides its code: the title and text
against the negative list, and the screening code against the text.

A hit is never a silent rejection: the task goes on to the township leader's review with
the rule named in its screening reasons, and a row per rule is kept for the rejection
statistics. A code whose matter has nothing to do with the text is flagged the same way.
"""

from __future__ import annotations

from sqlalchemy import func, select

from services.tasks.taskflow import negative_list, negative_rules
from services.tasks.taskflow.models import Matter, Task
from services.tasks.taskflow.screening import NO_MATCH_MESSAGE, Suggester
from services.tasks.taskflow.screening_models import ScreeningHit

_INDEX: dict = {}


def suggester(session) -> Suggester:
    """The index over the current, unretired catalogue; rebuilt when the catalogue changes
    (a new version or retirement changes the signature)."""
    signature = session.execute(
        select(func.count(Matter.id), func.max(Matter.id), func.count(Matter.retired_at))
    ).one()
    key = tuple(signature)
    if _INDEX.get("key") != key:
        matters = session.scalars(select(Matter).where(Matter.current, Matter.retired_at.is_(None))).all()
        fields = ("code", "name", "aliases", "keywords", "category", "description")
        _INDEX["index"] = Suggester([{f: getattr(m, f) or "" for f in fields} for m in matters])
        _INDEX["key"] = key
    return _INDEX["index"]


def text_of(task: Task) -> str:
    return f"{task.title} {task.content or ''}"


def suggestions(session, task: Task) -> list[dict]:
    return [
        {"code": s.code, "name": s.name, "score": s.score} for s in suggester(session).suggest(text_of(task))
    ]


def no_match_answer(found: list) -> dict:
    return {"no_match": not found, "message": NO_MATCH_MESSAGE if not found else None}


def _mismatch_reason(session, task: Task) -> dict | None:
    own = suggester(session).mismatch(text_of(task), task.matter_code) if task.matter_code else None
    if own is None:
        return None
    return {
        "kind": "code_mismatch",
        "score": own.score,
        "message": f"过筛编码 {own.code}“{own.name}”与任务内容不符(相似度 {own.score:.2f}),请审核把关",
    }


def _hit_reason(hit: negative_list.Hit) -> dict:
    return {
        "kind": "negative_list",
        "rule_id": hit.rule_id,
        "rule_name": hit.name,
        "rule_version": hit.version,
        "matched": hit.matched,
        "message": hit.message(),
    }


def screen_content(session, task: Task) -> list[negative_list.Hit]:
    """Check a new task's text against the negative list in force and its code against
    its text; record the hits and set the task's screening reasons."""
    hits = negative_list.hits(negative_rules.in_force(session), task.title, task.content or "")
    for hit in hits:
        session.add(
            ScreeningHit(
                task_id=task.id,
                rule_id=hit.rule_id,
                rule_version=hit.version,
                rule_name=hit.name,
                matched=hit.matched[:300],
                org_path=task.org_path,
                sender_id=task.sender_id,
                sender_name=task.sender_name,
                sender_department_id=task.sender_department_id,
                received_at=task.received_at,
                received_month=task.received_month,
            )
        )
    task.screening_reasons = [_hit_reason(h) for h in hits]
    check_code(session, task)
    return hits


def check_code(session, task: Task) -> None:
    """(Re)flag the task's code against its text, keeping the negative-list reasons."""
    reasons = [r for r in task.screening_reasons or [] if r["kind"] != "code_mismatch"]
    mismatch = _mismatch_reason(session, task)
    task.code_mismatch = mismatch is not None
    task.screening_reasons = reasons + ([mismatch] if mismatch else [])


def held(task: Task) -> bool:
    """Held for review by the negative list (the reviewer must look at the rule named)."""
    return any(r["kind"] == "negative_list" for r in task.screening_reasons or [])
