"""Procedure templates (五议两公开, joint meetings...): each change a new version, announced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from common.errors import DomainError, conflict, not_found
from common.scope import Actor
from services.tasks.procedures import domain
from services.tasks.procedures.commands.records import ledger_row, procedure_event_of, write_ledger
from services.tasks.procedures.models import (
    Template,
)
from services.tasks.procedures.templates_default import default_templates

TEMPLATE_FIELDS = ("name", "description", "applies_to_major", "matter_codes", "steps")


def current_template(session, code: str) -> Template | None:
    return session.scalar(select(Template).where(Template.code == code, Template.current))


def _check_steps(steps: list[dict]) -> None:
    errors = domain.validate_steps(steps)
    if errors:
        raise DomainError("validation_failed", fields={"steps": errors})


def _new_version(session, actor: Actor | None, code: str, data: dict, now: datetime) -> Template:
    previous = current_template(session, code)
    version = 1
    if previous is not None:
        previous.current = False
        version = previous.version + 1
        session.flush()
    values = {k: data[k] if k in data else getattr(previous, k) for k in TEMPLATE_FIELDS}
    template = Template(
        code=code,
        version=version,
        current=True,
        created_at=now,
        created_by=actor.id if actor else None,
        **values,
    )
    session.add(template)
    session.flush()
    return template


def _template_changed(uow, template: Template, change: str, actor: Actor | None, now: datetime) -> None:
    data = {
        "code": template.code,
        "version": template.version,
        "name": template.name,
        "change": change,
        "actor_id": actor.id if actor else None,
    }
    uow.emit(procedure_event_of("template.changed", data, f"templates/{template.code}", "/"))
    write_ledger(uow.session, [ledger_row(now, actor, f"template_{change}", "/", detail=data)])


def seed_templates(uow, now: datetime) -> dict:
    """Load the default templates; codes already there are left alone (safe to run again)."""
    session = uow.session
    existing = set(session.scalars(select(Template.code).distinct()))
    report = {"created": 0, "unchanged": 0}
    for row in default_templates():
        if row["code"] in existing:
            report["unchanged"] += 1
            continue
        _check_steps(row["steps"])
        template = _new_version(session, None, row["code"], row, now)
        _template_changed(uow, template, "created", None, now)
        report["created"] += 1
    return report


def create_template(uow, actor: Actor, data: dict, now: datetime) -> Template:
    actor.require("county_admin")
    if current_template(uow.session, data["code"]) is not None:
        raise conflict(f"程序模板 {data['code']} 已存在", f"Procedure template {data['code']} already exists")
    _check_steps(data["steps"])
    template = _new_version(uow.session, actor, data["code"], data, now)
    _template_changed(uow, template, "created", actor, now)
    return template


def update_template(uow, actor: Actor, code: str, data: dict, now: datetime) -> Template:
    actor.require("county_admin")
    if current_template(uow.session, code) is None:
        raise not_found("程序模板", "template")
    if "steps" in data:
        _check_steps(data["steps"])
    template = _new_version(uow.session, actor, code, data, now)
    _template_changed(uow, template, "updated", actor, now)
    return template


def applicable_templates(session, matter_code: str | None, major: bool) -> list[Template]:
    """The current templates a matter must go through: those for major matters when it is
    major, and those naming its catalogue code."""
    return [
        t
        for t in session.scalars(select(Template).where(Template.current).order_by(Template.code))
        if (major and t.applies_to_major) or (matter_code and matter_code in (t.matter_codes or []))
    ]
