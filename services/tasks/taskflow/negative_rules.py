"""The stored negative list: loaded from config/negative_list.yaml with the default
catalogue, then edited by the county admin. Like a catalogue matter, each edit adds a
version and the tasks that hit a rule keep the version they hit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from common.errors import conflict, not_found
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.taskflow import negative_list
from services.tasks.taskflow.screening_models import NegativeRuleVersion

RULE_FIELDS = ("name", "reason", "keywords", "patterns")


def rule_dict(r: NegativeRuleVersion) -> dict:
    return {
        "rule_id": r.rule_id,
        "version": r.version,
        "current": r.current,
        "name": r.name,
        "reason": r.reason,
        "keywords": list(r.keywords),
        "patterns": list(r.patterns),
        "created_at": r.created_at,
        "created_by": r.created_by,
        "retired_at": r.retired_at,
        "retired": r.retired_at is not None,
    }


def current(session, rule_id: str) -> NegativeRuleVersion | None:
    return session.scalar(
        select(NegativeRuleVersion).where(NegativeRuleVersion.rule_id == rule_id, NegativeRuleVersion.current)
    )


def listed(session, include_retired: bool = False) -> list[NegativeRuleVersion]:
    query = (
        select(NegativeRuleVersion).where(NegativeRuleVersion.current).order_by(NegativeRuleVersion.rule_id)
    )
    if not include_retired:
        query = query.where(NegativeRuleVersion.retired_at.is_(None))
    return list(session.scalars(query))


def versions(session, rule_id: str) -> list[NegativeRuleVersion]:
    query = select(NegativeRuleVersion).where(NegativeRuleVersion.rule_id == rule_id)
    return list(session.scalars(query.order_by(NegativeRuleVersion.version)))


def in_force(session) -> list[negative_list.NegativeRule]:
    """The rules screening applies now (current and not retired)."""
    return negative_list.rules_of([rule_dict(r) for r in listed(session)])


def _new_version(session, actor: Actor | None, rule_id: str, data: dict, now: datetime):
    previous = current(session, rule_id)
    if previous is not None:
        previous.current = False
        session.flush()
    rule = NegativeRuleVersion(
        rule_id=rule_id,
        version=previous.version + 1 if previous else 1,
        current=True,
        created_at=now,
        created_by=actor.id if actor else None,
        **{k: data[k] if k in data else getattr(previous, k) for k in RULE_FIELDS},
    )
    session.add(rule)
    session.flush()
    return rule


def _changed(uow, rule: NegativeRuleVersion, change: str, actor: Actor | None) -> None:
    data = {"rule_id": rule.rule_id, "version": rule.version, "name": rule.name, "change": change}
    data["actor_id"] = actor.id if actor else None
    uow.emit(
        DomainEvent(
            service="tasks",
            name="negative_rule.changed",
            data=data,
            subject=f"negative-rules/{rule.rule_id}",
            org_path="/",
        )
    )


def create(uow, actor: Actor, data: dict, now: datetime) -> NegativeRuleVersion:
    actor.require("county_admin")
    if current(uow.session, data["rule_id"]) is not None:
        raise conflict(
            f"负面清单规则 {data['rule_id']} 已存在", f"Negative-list rule {data['rule_id']} already exists"
        )
    rule = _new_version(uow.session, actor, data["rule_id"], data, now)
    _changed(uow, rule, "created", actor)
    return rule


def update(uow, actor: Actor, rule_id: str, data: dict, now: datetime) -> NegativeRuleVersion:
    actor.require("county_admin")
    previous = current(uow.session, rule_id)
    if previous is None:
        raise not_found("负面清单规则", "negative-list rule")
    if previous.retired_at is not None:
        raise conflict("已停用的负面清单规则不能修改", "A retired negative-list rule cannot be changed")
    rule = _new_version(uow.session, actor, rule_id, data, now)
    _changed(uow, rule, "updated", actor)
    return rule


def retire(uow, actor: Actor, rule_id: str, now: datetime) -> NegativeRuleVersion:
    actor.require("county_admin")
    rule = current(uow.session, rule_id)
    if rule is None:
        raise not_found("负面清单规则", "negative-list rule")
    if rule.retired_at is not None:
        raise conflict("该负面清单规则已经停用", "The negative-list rule is already retired")
    rule.retired_at = now
    _changed(uow, rule, "retired", actor)
    return rule


def seed_default(uow, now: datetime) -> dict:
    """Load config/negative_list.yaml; rules already there (even retired) are left alone."""
    existing = set(uow.session.scalars(select(NegativeRuleVersion.rule_id).distinct()))
    rows = negative_list.load_default()
    for row in rows:
        if row["rule_id"] not in existing:
            _changed(uow, _new_version(uow.session, None, row["rule_id"], row, now), "created", None)
    created = sum(1 for r in rows if r["rule_id"] not in existing)
    return {"created": created, "unchanged": len(rows) - created}
