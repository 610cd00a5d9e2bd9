"""Use cases of hotspot early warning over a unit of work: load the window's requests from
the ladder's own table (same service), run the pure detector, store each new hotspot and
emit `hotspot.detected` in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from common.events import DomainEvent
from services.tasks.fieldwork import domain as fw_domain
from services.tasks.fieldwork.models import Matter
from services.tasks.hotspots import detector
from services.tasks.hotspots.models import Hotspot
from services.tasks.open311.models import ServiceRequest

SERVICE = "tasks"
# residents' requests (mailbox, Open311) and the needs households raised on visits
SOURCES = ("mailbox", "open311", "visit")
PLACE_LABELS = {"village": "村", "township": "乡镇"}


def load_items(session: Session, week: str, params: detector.Params) -> tuple[list[detector.Item], dict]:
    """The requests of `week` and its baseline weeks, and each one's org path."""
    start = detector.week_start(detector.shift_week(week, -params.baseline_weeks))
    end = detector.week_start(week) + timedelta(weeks=1)
    text = func.coalesce(
        func.nullif(ServiceRequest.description, ""), func.nullif(Matter.description, ""), Matter.title
    )
    rows = session.execute(
        select(Matter.id, text, Matter.created_at, Matter.village_id, Matter.township_id, Matter.org_path)
        .outerjoin(ServiceRequest, ServiceRequest.matter_id == Matter.id)
        .where(Matter.source.in_(SOURCES), Matter.created_at >= start, Matter.created_at < end)
        .order_by(Matter.id)
    ).all()
    items = [
        detector.Item(id=i, text=t or "", week=detector.week_of(at), village_id=v, township_id=tw)
        for i, t, at, v, tw, _ in rows
    ]
    return items, {row[0]: row[5] for row in rows}


def _place_path(hotspot: detector.Hotspot, paths: dict[int, str]) -> str:
    ids = fw_domain.path_ids(paths[hotspot.item_ids[0]])
    depth = 3 if hotspot.place_kind == "village" else 2
    return "/" + "/".join(str(i) for i in ids[:depth]) + "/"


def message(h: detector.Hotspot, name: str, params: detector.Params) -> str:
    place = name or f"{PLACE_LABELS[h.place_kind]}{h.place_id}"
    sample = h.samples[0][:40] if h.samples else ""
    return (
        f"{h.week}预警:{place}本周“{h.label}”相关诉求 {h.count} 件,"
        f"此前{params.baseline_weeks}周平均每周 {h.mean:.1f} 件(标准差 {h.std:.1f}),"
        f"z={h.z:.1f}。例:“{sample}”,请及早研判处置"
    )


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Hotspot)


def _known(session: Session, h: detector.Hotspot) -> bool:
    """Raised before for this week and place with at least half of the same requests (a re-run
    later in the week, with a few more requests, is the same hotspot)."""
    earlier = session.scalars(
        select(Hotspot.matter_ids).where(
            Hotspot.week == h.week, Hotspot.place_kind == h.place_kind, Hotspot.place_id == h.place_id
        )
    ).all()
    mine = set(h.item_ids)
    return any(len(mine & set(ids)) * 2 >= min(len(mine), len(ids)) for ids in earlier)


def raise_hotspots(
    uow,
    found: list[detector.Hotspot],
    paths: dict,
    names: dict[int, str],
    params: detector.Params,
    now: datetime,
) -> list[int]:
    session = uow.session
    raised = []
    for h in found:
        if _known(session, h):
            continue
        name = names.get(h.place_id, "")
        text = message(h, name, params)
        org_path = _place_path(h, paths)
        hotspot_id = session.execute(
            _insert(session)
            .values(
                week=h.week,
                place_kind=h.place_kind,
                place_id=h.place_id,
                place_name=name,
                township_id=h.township_id,
                village_id=h.village_id,
                org_path=org_path,
                signature=h.signature,
                label=h.label,
                count=h.count,
                baseline_mean=h.mean,
                baseline_std=h.std,
                z_score=h.z,
                history=h.history,
                matter_ids=h.item_ids,
                samples=h.samples,
                message=text,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["week", "place_kind", "place_id", "signature"])
            .returning(Hotspot.id)
        ).scalar()
        if hotspot_id is None:
            continue  # another replica raised it first
        uow.emit(
            DomainEvent(
                service=SERVICE,
                name="hotspot.detected",
                data={
                    "hotspot_id": hotspot_id,
                    "week": h.week,
                    "place_kind": h.place_kind,
                    "place_id": h.place_id,
                    "place_name": name or None,
                    "label": h.label,
                    "count": h.count,
                    "baseline_mean": h.mean,
                    "baseline_std": h.std,
                    "z_score": h.z,
                    "matter_ids": h.item_ids,
                    "sample_texts": h.samples,
                    "message": text,
                    "township_id": h.township_id,
                    "village_id": h.village_id,
                    "grid_id": None,
                },
                subject=f"hotspots/{hotspot_id}",
                org_path=org_path,
                time=now,
            )
        )
        raised.append(hotspot_id)
    return raised
