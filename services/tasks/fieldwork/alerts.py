"""Alerts about lagging work (月中/月末预警): each lagging member, grid and village recorded once
per period (`alert.raised`, for the event stream), and each person told once per check with
everything they answer for (`alert_digest.issued`). Overdue matters raise theirs in the ladder."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.events import DomainEvent
from common.scope import common_path
from services.tasks.fieldwork import alert_digest, domain
from services.tasks.fieldwork.domain import Status
from services.tasks.fieldwork.models import Alert, GridContact, Matter, VisitListItem
from services.tasks.fieldwork.settings_store import settings_for
from services.tasks.fieldwork.storage import SERVICE, _insert


def raise_alert(
    uow,
    *,
    kind,
    subject_kind,
    subject_id,
    period,
    month,
    value,
    threshold,
    person_ids,
    message,
    org_path,
    place,
    now,
) -> Alert | None:
    session = uow.session
    stmt = (
        _insert(session, Alert)
        .values(
            kind=kind,
            subject_kind=subject_kind,
            subject_id=subject_id,
            period=period,
            month=month,
            value=value,
            threshold=threshold,
            person_ids=person_ids,
            message=message,
            org_path=org_path,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "subject_kind", "subject_id", "period"])
        .returning(Alert.id)
    )
    alert_id = session.execute(stmt).scalar()
    if alert_id is None:
        return None  # raised before (another run or replica)
    uow.emit(
        DomainEvent(
            service=SERVICE,
            name="alert.raised",
            data={
                "alert_id": alert_id,
                "kind": kind,
                "subject_kind": subject_kind,
                "subject_id": subject_id,
                "person_ids": person_ids,
                "value": value,
                "threshold": threshold,
                "month": month,
                "message": message,
                **place,
            },
            subject=f"alerts/{alert_id}",
            org_path=org_path,
            time=now,
        )
    )
    return session.get(Alert, alert_id)


def lagging(session: Session, month: str, phase: str) -> list[dict]:
    """Members, grids and villages whose visit or completion rate is under its threshold."""
    found = []
    thresholds: dict[int, domain.Thresholds] = {}

    def threshold_of(path: str) -> domain.Thresholds:
        county = domain.county_of(path)
        if county not in thresholds:
            thresholds[county] = settings_for(session, county)[1]
        return thresholds[county]

    groups = {
        "member": VisitListItem.member_id,
        "grid": VisitListItem.grid_id,
        "village": VisitListItem.village_id,
    }
    for subject_kind, column in groups.items():
        rows = session.execute(
            select(
                column,
                func.count(),
                func.count(VisitListItem.visit_id),
                func.min(VisitListItem.grid_id),
                func.min(VisitListItem.org_path),
            )
            .where(VisitListItem.month == month, column.isnot(None))
            .group_by(column)
        ).all()
        for subject_id, due, visited, grid_id, path in rows:
            value, limit = visited / due, threshold_of(path).visit_rate(phase)
            if value < limit:
                found.append(
                    _lag(
                        "low_visit_rate", subject_kind, subject_id, grid_id, path, value, limit, visited, due
                    )
                )
    mgroups = {"member": Matter.member_id, "grid": Matter.grid_id, "village": Matter.village_id}
    done = Matter.status.in_([Status.resolved.value, Status.rated.value])
    for subject_kind, column in mgroups.items():
        rows = session.execute(
            select(
                column,
                func.count(),
                func.count(Matter.resolved_at).filter(done),
                func.min(Matter.grid_id),
                func.min(Matter.org_path),
            )
            .where(Matter.month == month, column.isnot(None))
            .group_by(column)
        ).all()
        for subject_id, total, resolved, grid_id, path in rows:
            value, limit = resolved / total, threshold_of(path).completion_rate(phase)
            if value < limit:
                found.append(
                    _lag(
                        "low_completion_rate",
                        subject_kind,
                        subject_id,
                        grid_id,
                        path,
                        value,
                        limit,
                        resolved,
                        total,
                    )
                )
    return found


def _lag(kind, subject_kind, subject_id, grid_id, path, value, limit, part, whole) -> dict:
    ids = domain.path_ids(path)
    if subject_kind == "village":
        path = "/" + "/".join(str(i) for i in ids[:3]) + "/"
    return {
        "kind": kind,
        "subject_kind": subject_kind,
        "subject_id": subject_id,
        "grid_id": grid_id,
        "org_path": path,
        "value": round(value, 4),
        "threshold": limit,
        "part": part,
        "whole": whole,
    }


def raise_lagging(
    uow,
    month: str,
    phase: str,
    found: list[dict],
    contacts: dict[int, GridContact],
    now,
    names: dict | None = None,
) -> list[int]:
    """Record each lagging subject once per period (`alert.raised`, for the event stream),
    then tell each person once (`alert_digest.issued`): all they answer for, by name.
    `names`: {"people": {id: name}, "units": {id: name}} from grids."""
    names = names or {"people": {}, "units": {}}
    raised = []
    by_person: dict[int, list[alert_digest.Lagging]] = {}
    for lag in found:
        contact = contacts.get(lag["grid_id"])
        people = alert_digest.recipients(
            lag["subject_kind"],
            lag["subject_id"],
            contact.grid_workers if contact else [],
            contact.cadres if contact else [],
            contact.village_secretaries if contact else [],
        )
        item = _lagging(lag, names)
        place = domain.place_of(lag["org_path"])
        if lag["subject_kind"] == "village":
            place["grid_id"] = None
        alert = raise_alert(
            uow,
            kind=lag["kind"],
            subject_kind=lag["subject_kind"],
            subject_id=lag["subject_id"],
            period=f"{month}/{phase}",
            month=month,
            value=lag["value"],
            threshold=lag["threshold"],
            person_ids=people,
            message=f"{month} {alert_digest.PHASE_LABELS[phase]}预警：{item.line()}",
            org_path=lag["org_path"],
            place=place,
            now=now,
        )
        if alert is None:
            continue  # raised before: nobody is told twice
        raised.append(alert.id)
        for person in people:
            by_person.setdefault(person, []).append(replace(item, alert_id=alert.id, path=lag["org_path"]))
    for person, items in by_person.items():
        _issue_digest(uow, month, phase, person, items, now)
    return raised


def _lagging(lag: dict, names: dict) -> alert_digest.Lagging:
    ids = domain.path_ids(lag["org_path"])
    units, people = names.get("units", {}), names.get("people", {})
    village_id = ids[2] if len(ids) > 2 else None
    subject = lag["subject_id"]
    name = (people if lag["subject_kind"] == "member" else units).get(subject) or f"（编号 {subject}）"
    return alert_digest.Lagging(
        alert_id=0,
        kind=lag["kind"],
        subject_kind=lag["subject_kind"],
        subject_id=subject,
        name=name,
        village_name=units.get(village_id, "") if village_id else "",
        value=lag["value"],
        threshold=lag["threshold"],
        part=lag["part"],
        whole=lag["whole"],
        path=lag["org_path"],
    )


def _issue_digest(uow, month, phase, person: int, items: list, now) -> None:
    title, message = alert_digest.digest(month, phase, items)
    path = common_path([i.path for i in items])
    uow.emit(
        DomainEvent(
            service=SERVICE,
            name="alert_digest.issued",
            data={
                "person_id": person,
                "month": month,
                "phase": phase,
                "title": title,
                "message": message,
                "items": [i.item() for i in items],
                **domain.place_of(path),
            },
            subject=f"alerts/{items[0].alert_id}",
            org_path=path,
            time=now,
        )
    )
