"""Recompute on both backends: a month built event by event, rebuilt from its facts alone,
and repaired after its stored totals and scores were damaged — always to the same rows."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, select, text

from common.events import event_type, to_cloudevent
from services.scoring import models, projection, recompute
from services.scoring.config import load_config
from tests.conftest import make_uow_factory

MONTH = "2026-11"
CONFIG = load_config()


def _event(name: str, data: dict, grid: int) -> dict:
    village = 10 + grid % 3
    return to_cloudevent(
        id=str(uuid.uuid4()),
        type=event_type("tasks", name),
        source="/grassroots/tasks",
        time=datetime(2026, 11, 10, 2, tzinfo=UTC),
        subject="test",
        data={"township_id": 2, "village_id": village, "grid_id": grid, **data},
        org_path=f"/1/2/{village}/{grid}/",
    )


def _month_of_events(seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    events = []
    for member in range(100, 124):
        grid = 20 + member % 6
        common = {"member_id": member, "month": MONTH}
        events.append(_event("visit_list.issued", {**common, "households": 4}, grid))
        for visit in range(rng.randint(0, 4)):
            events.append(
                _event(
                    "visit.recorded",
                    {
                        **common,
                        "visit_id": member * 10 + visit,
                        "household_id": visit,
                        "visited_at": "2026-11-09",
                        "on_time": rng.random() < 0.7,
                        "needs_raised": rng.randint(0, 1),
                    },
                    grid,
                )
            )
        if rng.random() < 0.6:
            events.append(
                _event(
                    "visit.rated",
                    {**common, "visit_id": member * 10, "household_id": 0, "rating": rng.randint(1, 5)},
                    grid,
                )
            )
    return events


def _snapshot(session) -> tuple[list, list]:
    session.rollback()
    totals = sorted(
        (t.period, t.entity_kind, t.entity_id, t.measure, t.total_milli, t.count)
        for t in session.scalars(select(models.Total))
    )
    scores = sorted(
        (s.period, s.index, s.entity_kind, s.entity_id, s.value, s.colour, s.org_path, s.village_id)
        for s in session.scalars(select(models.Score))
    )
    return totals, scores


def _recompute(uow_factory) -> dict:
    with uow_factory() as uow:
        result = recompute.recompute(uow, CONFIG, MONTH)
        uow.commit()
    return result


def test_recompute_builds_repairs_and_leaves_a_right_month_alone(any_database):
    uow_factory = make_uow_factory(any_database("scoring"), models)
    for event in _month_of_events():
        with uow_factory() as uow:
            projection.apply_event(uow, CONFIG, event)
            uow.commit()
    with uow_factory() as uow:
        session = uow.session
        built = _snapshot(session)
        assert len(built[0]) > 50 and len(built[1]) > 20

        # right as the events left it: nothing to correct, nothing changes
        result = _recompute(uow_factory)
        assert (result["totals_corrected"], result["scores_corrected"]) == (0, 0)
        assert result["scores"] == len(built[1])
        assert _snapshot(session) == built

        # damaged: a wrong total, a total no fact backs, a lost score, a wrong score
        session.execute(
            text(
                "UPDATE indicator_totals SET count = count + 1 WHERE entity_kind = 'member' AND entity_id = 101"
            )
        )
        session.add(
            models.Total(
                period=MONTH, entity_kind="grid", entity_id=20, measure="stray", total_milli=1, count=1
            )
        )
        lost = next(row for row in built[1] if row[2] == "member")
        session.execute(
            delete(models.Score).where(
                models.Score.index == lost[1],
                models.Score.entity_kind == "member",
                models.Score.entity_id == lost[3],
            )
        )
        wrong = next(row for row in built[1] if row[2] != "member")
        session.execute(
            text(
                'UPDATE scores SET value = value + 1 WHERE "index" = :index AND entity_kind = :kind AND entity_id = :id'
            ),
            {"index": wrong[1], "kind": wrong[2], "id": wrong[3]},
        )
        session.commit()
        wrong_totals = sum(1 for t in _snapshot(session)[0] if t not in built[0])
        assert wrong_totals >= 2  # member 101's measures, and the stray one
        result = _recompute(uow_factory)
        assert (result["totals_corrected"], result["scores_corrected"]) == (wrong_totals, 2)
        assert _snapshot(session) == built

        # from the facts alone (totals and scores lost): built again, row for row
        session.execute(delete(models.Total))
        session.execute(delete(models.Score))
        session.commit()
        result = _recompute(uow_factory)
        assert result["totals_corrected"] == len(built[0]) and result["scores_corrected"] == len(built[1])
        assert _snapshot(session) == built
