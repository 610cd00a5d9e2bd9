"""Use cases of the Open311 face over a unit of work. A request becomes a mailbox matter
through fieldwork's own ladder code (same deadlines, ledger, `matter.reported` event),
with source "open311"; its GeoReport fields are kept beside it in the same transaction."""

from __future__ import annotations

import enum
from datetime import datetime

from common.crypto import blind_index
from common.errors import DomainError
from common.scope import Actor
from services.tasks.fieldwork import commands as fieldwork
from services.tasks.fieldwork.models import GridContact, Matter
from services.tasks.open311 import domain
from services.tasks.open311.models import ServiceRequest

PUBLIC_PER_CLIENT = 5  # anonymous requests per client address per hour
PUBLIC_PER_PHONE = 3  # and per phone number per hour
WINDOW_MINUTES = 60


class _Source(enum.StrEnum):
    """The ladder stores `source.value`; this is the value for requests made through Open311."""

    open311 = domain.SOURCE


def check_location(data: dict) -> None:
    has_point = data.get("lat") is not None and data.get("long") is not None
    if not (has_point or (data.get("address_string") or "").strip() or data.get("address_id")):
        raise DomainError("open311_location_missing")
    if (data.get("lat") is None) != (data.get("long") is None):
        raise DomainError("open311_location_missing")


def grid_of(actor: Actor | None, data: dict) -> int:
    """The grid the request lands in: the resident's own, or the one the anonymous sender named."""
    if actor is not None:
        if not actor.has("resident"):
            raise DomainError("forbidden")
        if actor.org_unit_id is None:
            raise DomainError("validation_failed", fields={"attribute[grid_id]": ["请填写所在网格编号"]})
        return int(actor.org_unit_id)
    raw = (data.get("attributes") or {}).get("grid_id")
    if not data.get("phone") or not raw:
        raise DomainError("open311_identity_missing")
    try:
        return int(raw)
    except ValueError as exc:
        raise DomainError("validation_failed", fields={"attribute[grid_id]": ["网格编号应为数字"]}) from exc


def limit_anonymous(session, client: str, phone: str, now: datetime) -> None:
    """Like the public mailbox: a few per client address and per phone each hour; counted first."""
    fieldwork.attempts_left(session, "open311", client, now, PUBLIC_PER_CLIENT, WINDOW_MINUTES)
    phone_key = blind_index(phone)  # counted per phone without storing it
    fieldwork.attempts_left(session, "open311", phone_key, now, PUBLIC_PER_PHONE, WINDOW_MINUTES)
    fieldwork.count_attempt(session, "open311", client, now, WINDOW_MINUTES)
    fieldwork.count_attempt(session, "open311", phone_key, now, WINDOW_MINUTES)


def _staff_text(data: dict, service: domain.Service, matter_name: str | None) -> str:
    """The matter's description for the people on the ladder: the words, then where and what."""
    lines = [data["description"].strip()]
    if matter_name:
        lines.append(f"【事项】{matter_name}")
    if data.get("address_string"):
        lines.append(f"【地址】{data['address_string'].strip()}")
    if data.get("lat") is not None:
        lines.append(f"【坐标】{data['lat']:.6f},{data['long']:.6f}")
    if data.get("media_url"):
        lines.append(f"【图片】{data['media_url']}")
    lines.append(f"【来源】Open311 · {service.name}")
    return "\n".join(line for line in lines if line)


def submit(
    uow,
    actor: Actor | None,
    data: dict,
    service: domain.Service,
    contact: GridContact,
    now: datetime,
) -> Matter:
    """The request lands as a mailbox matter at the grid's worker (微事快办) and climbs from there."""
    matter_code = (data.get("attributes") or {}).get("matter_code") or None
    matters = dict(service.matters)
    if matter_code is not None and matter_code not in matters:
        raise DomainError("validation_failed", fields={"attribute[matter_code]": ["该类别下没有这个事项"]})
    text = data["description"].strip()
    if not text and not data.get("media_url"):
        raise DomainError("validation_failed", fields={"description": ["请写下您要反映的事情,或附上图片"]})
    summary = text[:30] if text else (matters.get(matter_code) or "随手拍")
    m = fieldwork.new_matter(
        uow,
        title=f"{service.name}:{summary}",
        description=_staff_text(data, service, matters.get(matter_code)),
        source=_Source.open311,
        contact=contact,
        now=now,
        handler_id=(contact.grid_workers or [None])[0],
        actor_id=actor.id if actor else None,
        kind="photo" if data.get("media_url") else "text",
        reporter_id=actor.id if actor else None,
        reporter_phone=data.get("phone"),
        attachment_ids=[],
    )
    name = " ".join(p for p in (data.get("last_name"), data.get("first_name")) if p) or None
    uow.session.add(
        ServiceRequest(
            matter_id=m.id,
            service_code=service.code,
            service_name=service.name,
            matter_code=matter_code,
            description=text,
            address_string=(data.get("address_string") or "").strip() or None,
            lat=data.get("lat"),
            long=data.get("long"),
            media_url=data.get("media_url"),
            device_id=data.get("device_id"),
            contact_name=name,
            attributes=data.get("attributes") or {},
            reporter_id=actor.id if actor else None,
            org_path=m.org_path,
            created_at=now,
        )
    )
    return m
