"""The matter catalogue: add, edit, retire and import matters (each change a new version),
announced by the catalogue-changed event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from common.errors import conflict, not_found
from common.scope import Actor
from services.tasks.taskflow.catalogue_default import default_matters
from services.tasks.taskflow.commands.records import task_event
from services.tasks.taskflow.models import Matter

MATTER_FIELDS = (
    "name",
    "category",
    "levels",
    "department",
    "default_days",
    "major",
    "evidence",
    "keywords",
    "aliases",
    "description",
)


def current_matter(session, code: str) -> Matter | None:
    return session.scalar(select(Matter).where(Matter.code == code, Matter.current))


def _new_version(session, actor: Actor | None, code: str, data: dict, now: datetime) -> Matter:
    previous = current_matter(session, code)
    version = 1
    if previous is not None:
        previous.current = False
        version = previous.version + 1
        session.flush()
    matter = Matter(
        code=code,
        version=version,
        current=True,
        created_at=now,
        created_by=actor.id if actor else None,
        **{k: data.get(k, getattr(previous, k, None) if previous else None) for k in MATTER_FIELDS},
    )
    session.add(matter)
    session.flush()
    return matter


def _catalogue_event(uow, matter: Matter, change: str, actor: Actor | None) -> None:
    uow.emit(
        task_event(
            "catalogue.changed",
            {
                "code": matter.code,
                "version": matter.version,
                "name": matter.name,
                "change": change,
                "actor_id": actor.id if actor else None,
            },
            f"catalogue/{matter.code}",
            "/",
        )
    )


def create_matter(uow, actor: Actor, data: dict, now: datetime) -> Matter:
    actor.require("county_admin")
    if current_matter(uow.session, data["code"]) is not None:
        raise conflict(f"事项编码 {data['code']} 已存在", f"Matter code {data['code']} already exists")
    matter = _new_version(uow.session, actor, data["code"], data, now)
    _catalogue_event(uow, matter, "created", actor)
    return matter


def update_matter(uow, actor: Actor, code: str, data: dict, now: datetime) -> Matter:
    actor.require("county_admin")
    previous = current_matter(uow.session, code)
    if previous is None:
        raise not_found("事项", "matter")
    if previous.retired_at is not None:
        raise conflict("已停用的事项不能修改", "A retired matter cannot be changed")
    matter = _new_version(uow.session, actor, code, data, now)
    _catalogue_event(uow, matter, "updated", actor)
    return matter


def retire_matter(uow, actor: Actor, code: str, now: datetime) -> Matter:
    actor.require("county_admin")
    matter = current_matter(uow.session, code)
    if matter is None:
        raise not_found("事项", "matter")
    if matter.retired_at is not None:
        raise conflict("该事项已经停用", "The matter is already retired")
    matter.retired_at = now
    _catalogue_event(uow, matter, "retired", actor)
    return matter


def _same(matter: Matter, data: dict) -> bool:
    return all(
        (sorted(getattr(matter, k)) if isinstance(getattr(matter, k), list) else getattr(matter, k))
        == (sorted(data[k]) if isinstance(data[k], list) else data[k])
        for k in MATTER_FIELDS
        if k in data  # a workbook without the newer columns leaves them as they are
    )


def apply_catalogue(uow, actor: Actor | None, rows: list[dict], now: datetime) -> dict:
    """Bring the catalogue to `rows` (code + fields + retired flag): new codes are created,
    changed ones get a new version, retired ones are retired. Idempotent."""
    report = {"created": 0, "updated": 0, "retired": 0, "unchanged": 0}
    session = uow.session
    current = {m.code: m for m in session.scalars(select(Matter).where(Matter.current))}
    for row in rows:
        matter = current.get(row["code"])
        if matter is None:
            matter = _new_version(session, actor, row["code"], row, now)
            _catalogue_event(uow, matter, "created", actor)
            report["created"] += 1
        elif not _same(matter, row) and not row.get("retired"):
            if matter.retired_at is not None:
                report["unchanged"] += 1
                continue
            matter = _new_version(session, actor, row["code"], row, now)
            _catalogue_event(uow, matter, "updated", actor)
            report["updated"] += 1
        elif row.get("retired") and matter.retired_at is None:
            matter.retired_at = now
            _catalogue_event(uow, matter, "retired", actor)
            report["retired"] += 1
        else:
            report["unchanged"] += 1
    return report


def seed_default(uow, now: datetime) -> dict:
    """Load the default catalogue; codes already there are left alone (safe to run again)."""
    session = uow.session
    existing = set(session.scalars(select(Matter.code).distinct()))
    rows = [m for m in default_matters() if m["code"] not in existing]
    report = apply_catalogue(uow, None, rows, now)
    report["unchanged"] = len(default_matters()) - len(rows)
    return report
