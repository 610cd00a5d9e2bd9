"""Hotspot check against real storage (SQLite and PostgreSQL): requests on the ladder's
table in, alerts and `hotspot.detected` events out in one transaction; idempotent; scoped."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.errors import DomainError
from common.scope import Actor
from services.tasks import models
from services.tasks.fieldwork.models import Matter
from services.tasks.hotspots import commands, detector, queries
from services.tasks.hotspots.models import Hotspot
from tests.conftest import make_uow_factory
from tests.unit.hotspots_synthetic import generate

WEEK = "2026-W20"


def _actor(roles, scope, id_=1):
    return Actor(
        id=id_, name="t", roles=frozenset(roles), org_unit_id=None, department_id=None, scope=tuple(scope)
    )


def _load(uow, data):
    """The generated requests as mailbox / visit matters at mid-week, village grid 1."""
    for n, item in enumerate(data.items):
        at = detector.week_start(item.week) + timedelta(days=2, hours=n % 48)
        uow.session.add(
            Matter(
                id=item.id,
                title=f"村民来信:{item.text[:30]}",
                description=item.text,
                source="visit" if n % 5 == 0 else "mailbox",
                org_path=f"/1/{item.township_id}/{item.village_id}/{item.village_id * 10}/",
                grid_id=item.village_id * 10,
                village_id=item.village_id,
                township_id=item.township_id,
                month=at.strftime("%Y-%m"),
                created_at=at,
                level_since=at,
            )
        )
    # a grid worker's own report is not a resident's request: never counted
    at = detector.week_start(WEEK) + timedelta(days=1)
    uow.session.add(
        Matter(
            id=99999,
            title="网格巡查",
            description="水压太低" * 3,
            source="grid",
            org_path="/1/1/101/1010/",
            grid_id=1010,
            village_id=101,
            township_id=1,
            month=at.strftime("%Y-%m"),
            created_at=at,
            level_since=at,
        )
    )
    uow.commit()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_hotspot_check_raises_once_with_events_and_scope(backend, pg_databases, sqlite_databases):
    url = (pg_databases if backend == "postgresql" else sqlite_databases)("tasks")
    uow_factory = make_uow_factory(url, models)
    data = generate(4, WEEK)
    with uow_factory() as uow:
        _load(uow, data)

    params = detector.Params()
    with uow_factory() as uow:
        items, paths = commands.load_items(uow.session, WEEK, params)
        assert len(items) == len(data.items) and 99999 not in paths
        found = detector.detect(items, WEEK, params)
        assert found
        names = {h.place_id: f"地{h.place_id}" for h in found}
        raised = commands.raise_hotspots(
            uow, found, paths, names, params, detector.week_start(WEEK) + timedelta(days=3)
        )
        uow.commit()
        assert len(raised) == len(found)
        events = uow.session.scalars(
            select(models.OutboxMessage).where(
                models.OutboxMessage.type == "grassroots.tasks.hotspot.detected.v1"
            )
        ).all()
        assert len(events) == len(found)
        first = next(e for e in events if e.data["hotspot_id"] == raised[0])
        assert first.data["sample_texts"] and first.data["matter_ids"] and first.data["week"] == WEEK
        assert first.data["message"].startswith(f"{WEEK}预警:地")
        assert first.org_path.count("/") in (3, 4)

    # the same check again: nothing new, no event twice
    with uow_factory() as uow:
        items, paths = commands.load_items(uow.session, WEEK, params)
        again = commands.raise_hotspots(
            uow, detector.detect(items, WEEK, params), paths, {}, params, detector.week_start(WEEK)
        )
        uow.commit()
        assert again == []
        assert uow.session.scalar(select(Hotspot.id).order_by(Hotspot.id.desc())) == max(raised)

    # scope: a township sees its own places only; a resident may not read hotspots
    with uow_factory() as uow:
        q = {"page": 1, "per_page": 50, "week": WEEK}
        county, total = queries.hotspots(uow.session, _actor(["county_admin"], ["/1/"]), q)
        assert total == len(found)
        for township in {h.township_id for h in found}:
            mine, _ = queries.hotspots(uow.session, _actor(["township_leader"], [f"/1/{township}/"]), q)
            assert mine and all(h["township_id"] == township for h in mine)
        outside = (
            next(h for h in county if h["township_id"] != county[0]["township_id"])
            if len({h["township_id"] for h in county}) > 1
            else None
        )
        leader = _actor(["township_leader"], [f"/1/{county[0]['township_id']}/"])
        assert queries.hotspot(uow.session, leader, county[0]["id"])["samples"]
        if outside is not None:
            with pytest.raises(DomainError) as err:
                queries.hotspot(uow.session, leader, outside["id"])
            assert err.value.code == "not_found"
        with pytest.raises(DomainError) as err:
            queries.hotspots(uow.session, _actor(["resident"], ["/1/1/101/1010/"]), q)
        assert err.value.code == "forbidden"
