"""Read side of the Open311 face: the services from the catalogue, and service requests
with their ladder state in one query per list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.china_time import aware_or_none
from common.errors import DomainError
from common.scope import Actor
from services.tasks.fieldwork.domain import PLACE_READERS, Status
from services.tasks.fieldwork.models import LedgerEntry, Matter
from services.tasks.open311 import domain
from services.tasks.open311.models import ServiceRequest
from services.tasks.taskflow.models import Matter as CatalogueMatter

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


def services(session: Session) -> list[domain.Service]:
    rows = session.execute(
        select(
            CatalogueMatter.code, CatalogueMatter.name, CatalogueMatter.category, CatalogueMatter.keywords
        ).where(CatalogueMatter.current, CatalogueMatter.retired_at.is_(None))
    ).all()
    return domain.services_from([domain.CatalogueRow(*row) for row in rows])


def service(session: Session, code: str) -> domain.Service:
    found = next((s for s in services(session) if s.code == code), None)
    if found is None:
        raise DomainError("open311_service_unknown", {"code": code})
    return found


_aware = aware_or_none  # naive as UTC (common/china_time)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def requests(session: Session, q: dict, now: datetime) -> list[tuple[ServiceRequest, Matter, datetime]]:
    """Service requests by the GeoReport filters: ids (override the rest), codes, dates, status."""
    updated = (
        select(LedgerEntry.matter_id, func.max(LedgerEntry.at).label("at"))
        .group_by(LedgerEntry.matter_id)
        .subquery()
    )
    query = (
        select(ServiceRequest, Matter, updated.c.at)
        .join(Matter, Matter.id == ServiceRequest.matter_id)
        .outerjoin(updated, updated.c.matter_id == ServiceRequest.matter_id)
        .order_by(ServiceRequest.matter_id.desc())
        .limit(MAX_REQUESTS)
    )
    ids = _split(q.get("service_request_id"))
    if ids:
        if not all(i.isdigit() for i in ids):
            raise DomainError("validation_failed", fields={"service_request_id": ["编号应为数字"]})
        query = query.where(ServiceRequest.matter_id.in_([int(i) for i in ids]))
    else:
        end = q.get("end_date") or now
        start = q.get("start_date") or end - timedelta(days=DEFAULT_DAYS)
        if end < start or end - start > timedelta(days=DEFAULT_DAYS):
            raise DomainError(
                "validation_failed", fields={"start_date": ["起止时间须先后有序,且不超过 90 天"]}
            )
        query = query.where(ServiceRequest.created_at >= start, ServiceRequest.created_at <= end)
        codes = _split(q.get("service_code"))
        if codes:
            query = query.where(ServiceRequest.service_code.in_(codes))
        statuses = set(_split(q.get("status")))
        if statuses - {"open", "closed"}:
            raise DomainError("validation_failed", fields={"status": ["状态只能是 open 或 closed"]})
        closed = [Status.resolved.value, Status.rated.value]
        if statuses == {"open"}:
            query = query.where(Matter.status.not_in(closed))
        elif statuses == {"closed"}:
            query = query.where(Matter.status.in_(closed))
    return [(sr, m, _aware(at) or _aware(m.created_at)) for sr, m, at in session.execute(query).all()]


def sees_everything(actor: Actor | None, sr: ServiceRequest) -> bool:
    """The reporter, and people whose place covers it, see the words, the place and the photo."""
    if actor is None:
        return False
    if sr.reporter_id is not None and sr.reporter_id == actor.id:
        return True
    return actor.has(*PLACE_READERS) and actor.covers(sr.org_path)


def _w3(moment: datetime | None) -> str | None:
    moment = _aware(moment)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def request_dict(
    sr: ServiceRequest,
    m: Matter,
    updated: datetime,
    names: dict[int, str],
    departments: dict[int, str],
    full: bool,
) -> dict:
    place = {
        "grid": names.get(m.grid_id or 0, ""),
        "village": names.get(m.village_id or 0, ""),
        "township": names.get(m.township_id or 0, ""),
    }
    agency = domain.agency(m.level, departments.get(m.department_id or 0), place)
    status = domain.open311_status(m.status)
    result = {
        "service_request_id": str(sr.matter_id),
        "status": status,
        "status_notes": domain.status_notes(m.level, m.status, m.resolution, agency),
        "service_name": sr.service_name,
        "service_code": sr.service_code,
        "description": sr.description,
        "agency_responsible": agency,
        "service_notice": "网格员会在时限内联系您;逾期未办自动上报村、乡镇",
        "requested_datetime": _w3(sr.created_at),
        "updated_datetime": _w3(updated),
        "expected_datetime": _w3(m.deadline) if status == "open" else None,
        "address": sr.address_string,
        "address_id": None,
        "zipcode": None,
        "lat": sr.lat,
        "long": sr.long,
        "media_url": sr.media_url,
    }
    if not full:
        for key in domain.PRIVATE_FIELDS:
            result[key] = None
    return result
