"""Use cases of fieldwork over a unit of work: each changes rows, writes its ledger line and
emits its event in the same transaction. The entrypoint commits."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from common.errors import DomainError, conflict, not_found
from common.events import DomainEvent
from common.scope import Actor
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.alerts import raise_alert
from services.tasks.fieldwork.domain import LEVEL_LABELS, LadderError, Level, Source, Status
from services.tasks.fieldwork.models import (
    Attachment,
    Attempt,
    GridContact,
    LedgerEntry,
    Matter,
    MemberLink,
    RatingCode,
    Settings,
    Visit,
    VisitList,
    VisitListItem,
)
from services.tasks.fieldwork.settings_store import settings_for
from services.tasks.fieldwork.storage import SERVICE, _aware, _insert, _iso


def _conflict(error: LadderError) -> DomainError:
    return conflict(error.detail, error.detail_en)


def save_settings(session: Session, actor: Actor, data: dict, now: datetime) -> Settings:
    actor.require("county_admin")
    county_id = domain.county_of(actor.scope[0]) if actor.scope else 0
    row = session.get(Settings, county_id)
    if row is None:
        deadlines, thresholds = settings_for(session, county_id)
        row = Settings(county_id=county_id, **deadlines.__dict__, **thresholds.__dict__)
        session.add(row)
    for key, value in data.items():
        setattr(row, key, value)
    row.updated_by, row.updated_at = actor.id, now
    return row


# -- the member↔household replica ------------------------------------------------------


def apply_links(session: Session, rows: list[dict], now: datetime) -> int:
    """Upsert a page of `links_snapshot` rows (or one link from an event) as active."""
    if not rows:
        return 0
    values = [
        {
            "link_id": r["id"],
            "member_id": r["source_id"],
            "household_id": r["target_id"],
            "grid_id": r.get("grid_id"),
            "village_id": r.get("village_id"),
            "township_id": r.get("township_id"),
            "org_path": r.get("org_path") or "",
            "active": True,
            "synced_at": now,
        }
        for r in rows
    ]
    stmt = _insert(session, MemberLink)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MemberLink.link_id],
        set_={
            c: stmt.excluded[c]
            for c in ("grid_id", "village_id", "township_id", "org_path", "active", "synced_at")
        },
    )
    session.execute(stmt, values)
    return len(values)


def end_links_not_seen(session: Session, since: datetime) -> int:
    """After a full snapshot: links grids no longer lists have ended."""
    result = session.execute(
        update(MemberLink).where(MemberLink.active, MemberLink.synced_at < since).values(active=False)
    )
    return result.rowcount or 0


def end_link(session: Session, link_id: int) -> None:
    session.execute(update(MemberLink).where(MemberLink.link_id == link_id).values(active=False))


def add_link_to_current_list(session: Session, link: dict, month: str) -> int:
    """A link made mid-month joins that month's list if the list was already issued."""
    issued = session.scalar(
        select(VisitList.id).where(VisitList.month == month, VisitList.member_id == link["source_id"])
    )
    if issued is None:
        return 0
    stmt = (
        _insert(session, VisitListItem)
        .values(
            month=month,
            member_id=link["source_id"],
            household_id=link["target_id"],
            grid_id=link.get("grid_id"),
            village_id=link.get("village_id"),
            township_id=link.get("township_id"),
            org_path=link.get("org_path") or "",
        )
        .on_conflict_do_nothing(index_elements=["month", "member_id", "household_id"])
    )
    added = session.execute(stmt).rowcount or 0
    if added:
        session.execute(
            update(VisitList).where(VisitList.id == issued).values(households=VisitList.households + added)
        )
    return added


# -- monthly visit lists --------------------------------------------------------------


def generate_lists(uow, month: str, now: datetime) -> dict:
    """Every linked member's list for `month`, set-based: one INSERT … SELECT for the
    households, one for the per-member lists, then one event per newly issued list.
    Running it again adds only what is missing and emits nothing twice."""
    session = uow.session
    src = select(
        literal(month),
        MemberLink.member_id,
        MemberLink.household_id,
        MemberLink.grid_id,
        MemberLink.village_id,
        MemberLink.township_id,
        MemberLink.org_path,
    ).where(MemberLink.active)
    cols = ["month", "member_id", "household_id", "grid_id", "village_id", "township_id", "org_path"]
    added = session.execute(
        _insert(session, VisitListItem)
        .from_select(cols, src)
        .on_conflict_do_nothing(index_elements=["month", "member_id", "household_id"])
    ).rowcount

    per_member = (
        select(
            literal(month),
            VisitListItem.member_id,
            func.count(),
            func.min(VisitListItem.grid_id),
            func.min(VisitListItem.village_id),
            func.min(VisitListItem.township_id),
            func.min(VisitListItem.org_path),
            literal(now),
        )
        .where(VisitListItem.month == month)
        .group_by(VisitListItem.member_id)
    )
    issued = session.execute(
        _insert(session, VisitList)
        .from_select(
            [
                "month",
                "member_id",
                "households",
                "grid_id",
                "village_id",
                "township_id",
                "org_path",
                "issued_at",
            ],
            per_member,
        )
        .on_conflict_do_nothing(index_elements=["month", "member_id"])
        .returning(
            VisitList.id,
            VisitList.member_id,
            VisitList.households,
            VisitList.grid_id,
            VisitList.village_id,
            VisitList.township_id,
            VisitList.org_path,
        )
    ).all()
    events = [
        DomainEvent(
            service=SERVICE,
            name="visit_list.issued",
            data={
                "member_id": member_id,
                "month": month,
                "households": households,
                "grid_id": grid_id,
                "village_id": village_id,
                "township_id": township_id,
            },
            subject=f"visit-lists/{month}/{member_id}",
            org_path=org_path,
            time=now,
        )
        for _, member_id, households, grid_id, village_id, township_id, org_path in issued
    ]
    uow.emit_many(events)
    total = session.scalar(
        select(func.count()).select_from(VisitListItem).where(VisitListItem.month == month)
    )
    return {"month": month, "members": len(issued), "items": int(added or 0), "total_items": int(total or 0)}


# -- ledger ---------------------------------------------------------------------------


def _ledger(session: Session, action: str, org_path: str, at: datetime, **fields) -> None:
    session.add(LedgerEntry(action=action, org_path=org_path, at=at, **fields))


def _matter_event(uow, name: str, m: Matter, actor_id: int | None, at: datetime, **extra) -> DomainEvent:
    data = {
        "matter_id": m.id,
        "title": m.title,
        "source": m.source,
        "level": m.level,
        "from_level": None,
        "status": m.status,
        "actor_id": actor_id,
        "handler_id": m.handler_id,
        "department_id": m.department_id,
        "member_id": m.member_id,
        "reporter_id": m.reporter_id,
        "deadline": _iso(m.deadline),
        "grid_id": m.grid_id,
        "village_id": m.village_id,
        "township_id": m.township_id,
        "household_id": m.household_id,
        "month": m.month,
    } | extra
    event = DomainEvent(
        service=SERVICE, name=name, data=data, subject=f"matters/{m.id}", org_path=m.org_path, time=at
    )
    uow.emit(event)
    return event


def _step(
    uow, m: Matter, name: str, action: str, actor_id, at, note="", from_level=None, from_status=None, **extra
):
    """One ladder step: the event and its ledger line, together."""
    event = _matter_event(uow, name, m, actor_id, at, from_level=from_level, **extra)
    _ledger(
        uow.session,
        action,
        m.org_path,
        at,
        matter_id=m.id,
        visit_id=m.visit_id,
        actor_id=actor_id,
        from_level=from_level,
        to_level=m.level,
        from_status=from_status,
        to_status=m.status,
        note=note,
        event_id=event.id,
    )


# -- matters on the ladder ------------------------------------------------------------


def _new_matter(
    uow,
    *,
    title: str,
    description: str,
    source: Source,
    contact: GridContact,
    now: datetime,
    handler_id: int | None,
    actor_id: int | None,
    kind: str = "text",
    **fields,
) -> Matter:
    deadlines, _ = settings_for(uow.session, domain.county_of(contact.org_path))
    place = domain.place_of(contact.org_path)
    m = Matter(
        title=title,
        description=description,
        source=source.value,
        kind=kind,
        level=Level.grid.value,
        status=Status.open.value,
        org_path=contact.org_path,
        month=domain.month_of(now),
        handler_id=handler_id,
        deadline=deadlines.deadline(Level.grid, now),
        level_since=now,
        created_at=now,
        **place,
        **fields,
    )
    uow.session.add(m)
    uow.session.flush()
    _step(uow, m, "matter.reported", "reported", actor_id, now, note=description[:200])
    return m


def create_matter(uow, actor: Actor, data: dict, contact: GridContact, now: datetime) -> Matter:
    """A grid worker, cadre or member logs something found in their grid."""
    actor.require("grid_worker", "village_cadre", "village_secretary", "member")
    actor.require_scope(contact.org_path)
    _check_attachments(uow.session, actor, data["attachment_ids"])
    handler = actor.id if actor.has("grid_worker", "member") else (contact.grid_workers or [None])[0]
    return _new_matter(
        uow,
        title=data["title"],
        description=data["description"],
        source=Source.grid,
        contact=contact,
        now=now,
        handler_id=handler,
        actor_id=actor.id,
        reporter_id=actor.id,
        member_id=actor.id if actor.has("member") else None,
        attachment_ids=data["attachment_ids"],
    )


def _state(m: Matter) -> domain.MatterState:
    return domain.MatterState(
        level=Level(m.level),
        status=Status(m.status),
        org_path=m.org_path,
        member_id=m.member_id,
        reporter_id=m.reporter_id,
        department_id=m.department_id,
        handler_id=m.handler_id,
    )


def _matter(session: Session, matter_id: int, lock: bool = True) -> Matter:
    query = select(Matter).where(Matter.id == matter_id)
    if lock:
        query = query.with_for_update()
    m = session.scalar(query)
    if m is None:
        raise not_found("事项", "matter")
    return m


def _guard(check, *args):
    try:
        return check(*args)
    except LadderError as exc:
        raise _conflict(exc) from exc
    except PermissionError as exc:
        raise DomainError("forbidden") from exc


def _climb(uow, m: Matter, to: Level, contact: GridContact | None, now: datetime) -> None:
    deadlines, _ = settings_for(uow.session, domain.county_of(m.org_path))
    m.level = to.value
    m.status = Status.open.value
    m.escalated = True
    m.level_since = now
    m.deadline = deadlines.deadline(to, now)
    m.department_id = None
    if to == Level.village:
        m.handler_id = (contact.village_secretaries or [None])[0] if contact else None
    else:
        m.handler_id = None  # the township platform picks the department


def escalate(
    uow, actor: Actor, matter_id: int, note: str, contact: GridContact | None, now: datetime
) -> Matter:
    m = _matter(uow.session, matter_id)
    to = _guard(domain.check_escalate, actor, _state(m))
    from_level, from_status = m.level, m.status
    _climb(uow, m, to, contact, now)
    _step(
        uow, m, "matter.escalated", "escalated", actor.id, now, note, from_level, from_status, reason="manual"
    )
    return m


def dispatch(uow, actor: Actor, matter_id: int, department: dict, note: str, now: datetime) -> Matter:
    m = _matter(uow.session, matter_id)
    _guard(domain.check_dispatch, actor, _state(m), platform_staff(actor))
    if not domain.serves(department["org_unit_id"], m.org_path):
        raise DomainError("out_of_scope")  # another township's department
    department_id = department["id"]
    m.department_id = department_id
    _step(uow, m, "matter.dispatched", "dispatched", actor.id, now, note, m.level, m.status)
    return m


def take(uow, actor: Actor, matter_id: int, note: str, now: datetime) -> Matter:
    m = _matter(uow.session, matter_id)
    _guard(domain.check_take, actor, _state(m))
    from_status = m.status
    m.status, m.handler_id = Status.taken.value, actor.id
    _step(uow, m, "matter.taken", "taken", actor.id, now, note, m.level, from_status)
    return m


def resolve(uow, actor: Actor, matter_id: int, note: str, now: datetime) -> Matter:
    m = _matter(uow.session, matter_id)
    _guard(domain.check_resolve, actor, _state(m))
    from_status = m.status
    m.status, m.resolved_at, m.resolved_level, m.resolution = Status.resolved.value, now, m.level, note
    m.handler_id = actor.id
    days = round((now - _aware(m.created_at)).total_seconds() / 86400, 3)
    _step(
        uow, m, "matter.resolved", "resolved", actor.id, now, note, m.level, from_status, days_to_close=days
    )
    return m


def rate_matter(uow, actor: Actor, matter_id: int, rating: int, comment: str, now: datetime) -> Matter:
    m = _matter(uow.session, matter_id)
    _guard(domain.check_rate, actor, _state(m))
    m.status, m.rating, m.rating_comment = Status.rated.value, rating, comment
    _step(
        uow, m, "matter.rated", "rated", actor.id, now, comment, m.level, Status.resolved.value, rating=rating
    )
    return m


def platform_staff(actor: Actor) -> bool:
    """Staff of a township-level department (the township platform, 四平台)."""
    return actor.has("department_staff") and any(len(domain.path_ids(p)) == 2 for p in actor.scope)


def overdue(session: Session, now: datetime, limit: int = 500) -> list[Matter]:
    """Open or taken matters past their deadline, locked so replicas never handle one twice."""
    query = (
        select(Matter)
        .where(Matter.status.in_([Status.open.value, Status.taken.value]), Matter.deadline < now)
        .where((Matter.level != Level.department.value) | ~Matter.overdue_alerted)
        .order_by(Matter.deadline)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def escalate_overdue(uow, matters: list[Matter], contacts: dict[int, GridContact], now: datetime) -> dict:
    """Past its deadline a matter climbs by itself; at the top it raises an alert once."""
    escalated, alerts = [], []
    for m in matters:
        contact = contacts.get(m.grid_id)
        from_level, from_status = m.level, m.status
        overdue_at = Level(m.level)
        to = domain.NEXT_LEVEL[overdue_at]
        if to is not None:
            previous_handler = m.handler_id
            _climb(uow, m, to, contact, now)
            m.auto_escalations += 1
            _step(
                uow,
                m,
                "matter.escalated",
                "escalated",
                None,
                now,
                f"超过{LEVEL_LABELS[overdue_at]}时限,自动上报",
                from_level,
                from_status,
                reason="deadline",
            )
            escalated.append(m.id)
            people = [previous_handler, m.handler_id, *(contact.village_secretaries if contact else [])]
        else:
            m.overdue_alerted = True
            people = [m.handler_id]
        alert = raise_alert(
            uow,
            kind="matter_overdue",
            subject_kind="matter",
            subject_id=m.id,
            period=from_level,
            month=m.month,
            value=None,
            threshold=None,
            person_ids=[p for p in dict.fromkeys(people) if p],
            message=f"事项“{m.title}”已超过{LEVEL_LABELS[overdue_at]}办理时限"
            + ("" if to is None else f",已自动上报至{LEVEL_LABELS[to]}"),
            org_path=m.org_path,
            place={"grid_id": m.grid_id, "village_id": m.village_id, "township_id": m.township_id},
            now=now,
        )
        if alert is not None:
            alerts.append(alert.id)
    return {"escalated": escalated, "alerts": alerts}


# -- visits and ratings ---------------------------------------------------------------


def _check_attachments(session: Session, actor: Actor, ids: list[int], kind: str | None = None) -> None:
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all() if ids else []
    if len(rows) != len(set(ids)) or any(a.uploaded_by != actor.id for a in rows):
        raise DomainError("validation_failed", fields={"attachment_ids": ["附件不存在或不是本人上传的"]})
    if kind and not any(a.kind == kind for a in rows):
        label = {"photo": "照片", "voice": "语音"}[kind]
        raise DomainError("validation_failed", fields={"attachment_ids": [f"请附上{label}"]})


def record_visit(
    uow, actor: Actor, data: dict, contact: GridContact | None, now: datetime
) -> tuple[Visit, list, str]:
    """The member records a visit; needs become matters; a rating code is made for the household.
    Returns the visit, its matters and the plain code (to send after commit; only its hash is kept)."""
    actor.require("member")
    session = uow.session
    link = session.scalar(
        select(MemberLink).where(
            MemberLink.member_id == actor.id,
            MemberLink.household_id == data["household_id"],
            MemberLink.active,
        )
    )
    if link is None:
        raise DomainError("forbidden")  # only households linked to this member
    visited_at = data["visited_at"] or now
    if visited_at > now + timedelta(minutes=5):
        raise DomainError("validation_failed", fields={"visited_at": ["走访时间不能晚于当前时间"]})
    if visited_at < now - timedelta(days=62):
        raise DomainError("validation_failed", fields={"visited_at": ["只能补录两个月内的走访"]})
    _check_attachments(session, actor, data["attachment_ids"])
    month = domain.month_of(visited_at)
    item = session.scalar(
        select(VisitListItem)
        .where(
            VisitListItem.month == month,
            VisitListItem.member_id == actor.id,
            VisitListItem.household_id == link.household_id,
        )
        .with_for_update()
    )
    visit = Visit(
        month=month,
        member_id=actor.id,
        household_id=link.household_id,
        grid_id=link.grid_id,
        village_id=link.village_id,
        township_id=link.township_id,
        org_path=link.org_path,
        visited_at=visited_at,
        recorded_at=now,
        notes=data["notes"],
        attachment_ids=data["attachment_ids"],
        on_time=item is not None,
        needs_raised=len(data["needs"]),
    )
    session.add(visit)
    session.flush()
    if item is not None and item.visit_id is None:
        item.visit_id, item.visited_at = visit.id, visited_at
    event = DomainEvent(
        service=SERVICE,
        name="visit.recorded",
        data={
            "visit_id": visit.id,
            "member_id": actor.id,
            "household_id": link.household_id,
            "month": month,
            "visited_at": visited_at.isoformat(),
            "on_time": visit.on_time,
            "needs_raised": visit.needs_raised,
            "grid_id": link.grid_id,
            "village_id": link.village_id,
            "township_id": link.township_id,
        },
        subject=f"visits/{visit.id}",
        org_path=link.org_path,
        time=now,
    )
    uow.emit(event)
    _ledger(
        session, "visit_recorded", link.org_path, now, visit_id=visit.id, actor_id=actor.id, event_id=event.id
    )
    matters = []
    for need in data["needs"]:
        if contact is None:
            raise DomainError("service_unavailable", {"service": "grids"})
        matters.append(
            _new_matter(
                uow,
                title=need["title"],
                description=need["description"],
                source=Source.visit,
                contact=contact,
                now=now,
                handler_id=actor.id,  # 微事快办: the member first
                actor_id=actor.id,
                visit_id=visit.id,
                household_id=link.household_id,
                member_id=actor.id,
            )
        )
    code = _issue_rating_code(session, visit.id, link.household_id, now)
    return visit, matters, code


def _window(now: datetime, minutes: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % (minutes * 60), UTC)


def attempts_left(
    session: Session,
    bucket: str,
    client: str,
    now: datetime,
    limit: int,
    minutes: int,
    refusal: str = "too_many_attempts",
) -> None:
    count = session.scalar(
        select(Attempt.count).where(
            Attempt.bucket == bucket, Attempt.client == client, Attempt.window_start == _window(now, minutes)
        )
    )
    if (count or 0) >= limit:
        raise DomainError(refusal, {"minutes": minutes})


def count_attempt(session: Session, bucket: str, client: str, now: datetime, minutes: int) -> None:
    stmt = _insert(session, Attempt).values(
        bucket=bucket, client=client[:100], window_start=_window(now, minutes), count=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["bucket", "client", "window_start"], set_={"count": Attempt.count + 1}
    )
    session.execute(stmt)


RATING_WINDOW_MINUTES = 15
CODE_RESENDS_PER_HOUR = 3


def _issue_rating_code(session: Session, visit_id: int, household_id: int, now: datetime) -> str:
    code = domain.new_rating_code()
    session.add(
        RatingCode(
            code_hash=domain.hash_code(code),
            visit_id=visit_id,
            household_id=household_id,
            expires_at=now + timedelta(days=domain.CODE_DAYS),
            created_at=now,
        )
    )
    return code


def resend_rating_code(uow, actor: Actor, visit_id: int, now: datetime) -> tuple[Visit, str]:
    """The member who made the visit asks for a fresh code (the household lost the SMS, or
    it expired): the visit's earlier unused codes stop working. A few times an hour at most."""
    session = uow.session
    visit = session.get(Visit, visit_id, with_for_update=True)
    if visit is None or visit.member_id != actor.id:
        raise not_found("走访记录", "visit")
    if visit.rating is not None:
        raise DomainError("visit_already_rated")
    bucket, key = "rating_code_resend", str(visit_id)
    attempts_left(session, bucket, key, now, CODE_RESENDS_PER_HOUR, 60, refusal="too_many_requests")
    count_attempt(session, bucket, key, now, 60)
    session.execute(
        update(RatingCode)
        .where(RatingCode.visit_id == visit_id, RatingCode.used_at.is_(None), RatingCode.expires_at > now)
        .values(expires_at=now)
    )
    code = _issue_rating_code(session, visit.id, visit.household_id, now)
    _ledger(session, "rating_code_resent", visit.org_path, now, visit_id=visit.id, actor_id=actor.id)
    return visit, code


def rating_failures_allowed() -> int:
    return int(os.environ.get("GOV_RATING_MAX_FAILURES", "10"))


def rate_visit(uow, client: str, data: dict, now: datetime) -> Visit | None:
    """The household rates a visit with its one-time code. None = refused (the caller
    commits the counted failure, then refuses)."""
    session = uow.session
    attempts_left(session, "rating", client, now, rating_failures_allowed(), RATING_WINDOW_MINUTES)
    code = session.scalar(
        select(RatingCode).where(RatingCode.code_hash == domain.hash_code(data["code"])).with_for_update()
    )
    visit = session.get(Visit, code.visit_id) if code else None
    if code is None or code.used_at is not None or _aware(code.expires_at) < now or visit.rating is not None:
        count_attempt(session, "rating", client, now, RATING_WINDOW_MINUTES)
        return None
    code.used_at = now
    visit.rating, visit.rating_comment, visit.rated_at = data["rating"], data["comment"], now
    session.execute(
        update(VisitListItem).where(VisitListItem.visit_id == visit.id).values(rating=data["rating"])
    )
    event = DomainEvent(
        service=SERVICE,
        name="visit.rated",
        data={
            "visit_id": visit.id,
            "member_id": visit.member_id,
            "household_id": visit.household_id,
            "month": visit.month,
            "rating": data["rating"],
            "grid_id": visit.grid_id,
            "village_id": visit.village_id,
            "township_id": visit.township_id,
        },
        subject=f"visits/{visit.id}",
        org_path=visit.org_path,
        time=now,
    )
    uow.emit(event)
    _ledger(
        session,
        "visit_rated",
        visit.org_path,
        now,
        visit_id=visit.id,
        note=data["comment"][:200],
        event_id=event.id,
    )
    return visit


# -- villager mailbox -----------------------------------------------------------------

KIND_TITLES = {"text": "村民来信", "voice": "村民语音留言", "photo": "村民随手拍"}


def mailbox_submit(uow, actor: Actor | None, data: dict, contact: GridContact, now: datetime) -> Matter:
    """写一写、喊一喊、拍一拍: the request lands as a small matter at the grid's worker."""
    kind = data.get("kind", "text")
    if actor is not None:
        _check_attachments(
            uow.session, actor, data.get("attachment_ids", []), kind if kind != "text" else None
        )
    if kind == "text" and not data.get("text", "").strip():
        raise DomainError("validation_failed", fields={"text": ["请写下您要反映的事情"]})
    text = data.get("text", "").strip()
    title = f"{KIND_TITLES[kind]}:{text[:30]}" if text else KIND_TITLES[kind]
    return _new_matter(
        uow,
        title=title,
        description=text,
        source=Source.mailbox,
        contact=contact,
        now=now,
        handler_id=(contact.grid_workers or [None])[0],
        actor_id=actor.id if actor else None,
        kind=kind,
        reporter_id=actor.id if actor else None,
        reporter_phone=data.get("phone"),
        attachment_ids=data.get("attachment_ids", []),
    )


# -- attachments ----------------------------------------------------------------------


def store_attachment(session: Session, actor: Actor, filename: str, content: bytes, store) -> Attachment:
    if not content:
        raise DomainError("attachment_rejected", {"detail": "文件为空"})
    if len(content) > domain.MAX_ATTACHMENT_BYTES:
        raise DomainError("attachment_rejected", {"detail": "文件超过 8 MB"})
    sniffed = domain.sniff(content)
    if sniffed is None:
        raise DomainError(
            "attachment_rejected", {"detail": "只接受 jpeg/png/webp 照片、mp3/m4a/amr/wav 语音和 pdf 文件"}
        )
    content_type, kind = sniffed
    digest = store.put(content)
    attachment = Attachment(
        sha256=digest,
        content_type=content_type,
        kind=kind,
        size=len(content),
        filename=filename[:200],
        uploaded_by=actor.id,
        org_path=actor.scope[0] if actor.scope else "",
    )
    session.add(attachment)
    session.flush()
    return attachment


def store_newcomer_attachment(
    session: Session, contact: GridContact, filename: str, content: bytes, store
) -> Attachment:
    """A newcomer has no account: the file is kept as uploaded by nobody (id 0), at the
    grid they chose, and only a photo or a voice clip is taken."""
    newcomer = Actor(
        id=0,
        name="newcomer",
        roles=frozenset(),
        org_unit_id=None,
        department_id=None,
        scope=(contact.org_path,),
    )
    attachment = store_attachment(session, newcomer, filename, content, store)
    if attachment.kind not in ("photo", "voice"):
        raise DomainError("attachment_rejected", {"detail": "只接受照片或语音"})
    return attachment


def save_contacts(session: Session, found: list[dict], now: datetime) -> None:
    if not found:
        return
    stmt = _insert(session, GridContact)
    stmt = stmt.on_conflict_do_update(
        index_elements=[GridContact.grid_id],
        set_={
            c: stmt.excluded[c]
            for c in (
                "village_id",
                "org_path",
                "grid_workers",
                "cadres",
                "village_secretaries",
                "refreshed_at",
            )
        },
    )
    session.execute(
        stmt,
        [
            {
                "grid_id": r["grid_id"],
                "village_id": r.get("village_id"),
                "org_path": r["org_path"],
                "grid_workers": r.get("grid_workers", []),
                "cadres": r.get("cadres", []),
                "village_secretaries": r.get("village_secretaries", []),
                "refreshed_at": now,
            }
            for r in found
        ],
    )
