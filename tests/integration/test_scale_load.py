"""The county loader (scripts/load_county.py) on the demo preset and a small custom scale,
against throwaway PostgreSQL databases: counts, links, paths and cross-service consistency."""

import dataclasses

import pytest
from sqlalchemy import text

from common.storage import make_engine
from scripts.load_county import MUST_BE_ZERO, load, problems
from services.grids import accounts, queries
from services.grids.domain import Actor
from services.grids.scale import PRESETS, build

MONTH = "2026-11"


def _load(pg_databases, scale, seed=7):
    urls = {s: pg_databases(s) for s in ("grids", "tasks", "scoring")}
    return urls, load(scale, urls, MONTH, seed, say=lambda *_: None)


@pytest.fixture(scope="module")
def demo(pg_databases):
    return _load(pg_databases, PRESETS["demo"])


def test_demo_counts_match_the_preset(demo):
    _, report = demo
    scale = PRESETS["demo"]
    grids = report["grids"]
    # county + townships + villages + grids
    assert grids["org_units"] == 1 + scale.townships + scale.villages + scale.grids
    assert report["check"]["grids"]["org_units"] == grids["org_units"]
    members = scale.members
    # every household is linked to exactly one member, about 11 each
    assert 9 * members <= grids["households"] <= 13 * members
    assert report["check"]["tasks"]["visit_list_items"] == grids["households"]
    assert report["tasks"]["visit_lists"] == members
    assert report["tasks"]["assignments"] > 0 and report["tasks"]["matters"] > 0


def test_demo_is_consistent(demo):
    _, report = demo
    assert problems(report["check"]) == {}
    assert {k for checks in report["check"].values() for k in checks} >= MUST_BE_ZERO


def test_demo_links_and_paths(demo):
    urls, report = demo
    engine = make_engine(urls["grids"], pool_size=1)
    with engine.connect() as conn:
        per_member = conn.execute(
            text(
                "SELECT min(n), max(n) FROM (SELECT count(*) n FROM links "
                "WHERE kind = 'member_household' GROUP BY source_id) t"
            )
        ).one()
        assert 9 <= per_member[0] <= per_member[1] <= 13
        levels = dict(conn.execute(text("SELECT level, count(*) FROM org_units GROUP BY level")).all())
        assert levels == {"county": 1, "township": 4, "village": 30, "grid": 108}
        depth = dict(
            conn.execute(
                text(
                    "SELECT level, min(length(path) - length(replace(path, '/', ''))) FROM org_units GROUP BY level"
                )
            ).all()
        )
        assert depth == {"county": 2, "township": 3, "village": 4, "grid": 5}
    engine.dispose()


def test_demo_accounts_sign_in_and_see_their_scope(demo):
    from services.grids import models
    from services.grids.demo import DEMO_PASSWORD
    from tests.conftest import make_uow_factory

    urls, report = demo
    uow = make_uow_factory(urls["grids"], models)
    for username in report["accounts"]:
        with uow() as u:
            claims, _ = accounts.authenticate(u.session, username, DEMO_PASSWORD, refuse_password=None)
        assert claims["id"] == report["accounts"][username]
    with uow() as u:
        leader, _ = accounts.authenticate(u.session, "township", DEMO_PASSWORD, refuse_password=None)
        tree = queries.tree(u.session, Actor.from_claims({**leader, "sub": leader["id"]}), None, 4)
    assert [n["level"] for n in tree] == ["township"]


def test_copied_phones_and_id_numbers_rest_sealed(demo):
    """COPY bypasses the column type: the loader seals and indexes what it writes itself."""
    from common import crypto
    from services.grids import models
    from tests.conftest import make_uow_factory

    urls, _ = demo
    engine = make_engine(urls["grids"])
    with engine.connect() as conn:
        people = conn.execute(
            text("SELECT id, phone, id_number, phone_bidx FROM people ORDER BY id LIMIT 50")
        ).all()
        households = conn.execute(text("SELECT phone FROM households WHERE phone IS NOT NULL LIMIT 50")).all()
    engine.dispose()
    assert people and households
    cells = [c for row in people for c in row[1:3]] + [h.phone for h in households]
    assert all(crypto.is_sealed(c) for c in cells), cells[:3]
    with make_uow_factory(urls["grids"], models)() as u:
        person = u.session.get(models.Person, people[0].id)
        assert person.phone.isdigit() and len(person.phone) == 11 and len(person.id_number) == 18
        assert people[0].phone_bidx == crypto.blind_index(person.phone)


def test_tasks_and_scoring_agree(demo):
    urls, report = demo
    tasks = make_engine(urls["tasks"], pool_size=1)
    scoring = make_engine(urls["scoring"], pool_size=1)
    with tasks.connect() as conn:
        visits = conn.scalar(text("SELECT count(*) FROM fw_visits WHERE month = :m"), {"m": MONTH})
        on_list = conn.scalar(
            text("SELECT count(*) FROM fw_visit_list_items WHERE month = :m AND visit_id IS NOT NULL"),
            {"m": MONTH},
        )
        ratings = conn.scalar(text("SELECT count(*) FROM fw_visits WHERE rating IS NOT NULL"))
    with scoring.connect() as conn:
        # one visits fact per visit for the member, its grid and its village
        member_visits = conn.scalar(
            text(
                "SELECT sum(total_milli) / 1000 FROM indicator_totals WHERE period = :m AND measure = 'visits' AND entity_kind = 'member'"
            ),  # noqa: E501
            {"m": MONTH},
        )
        member_ratings = conn.scalar(
            text(
                "SELECT sum(count) FROM indicator_totals WHERE period = :m AND measure = 'visit_rating' AND entity_kind = 'member'"
            ),  # noqa: E501
            {"m": MONTH},
        )
        pioneer = conn.scalar(
            text("SELECT count(*) FROM scores WHERE period = :m AND index = 'pioneer'"), {"m": MONTH}
        )
    tasks.dispose()
    scoring.dispose()
    assert visits == on_list == member_visits
    assert member_ratings == ratings
    assert pioneer == PRESETS["demo"].members


def test_same_seed_same_county():
    scale = dataclasses.replace(PRESETS["demo"], villages=8, grids=20, members=60)
    a, rows_a = build(scale, seed=3)
    b, rows_b = build(scale, seed=3)
    c, _ = build(scale, seed=4)
    assert rows_a == rows_b and a.member_links == b.member_links
    assert [r[2] for r in rows_a["people"]] != [r[2] for r in build(scale, seed=4)[1]["people"]]
    assert c.counts["org_units"] == a.counts["org_units"]


def test_small_custom_scale(pg_databases):
    scale = dataclasses.replace(
        PRESETS["demo"],
        name="tiny",
        townships=2,
        villages=5,
        grids=12,
        members=40,
        village_cadres=8,
        team_cadres=12,
        tasks=3,
        rejected_tasks=1,
    )
    _, report = _load(pg_databases, scale, seed=11)
    assert problems(report["check"]) == {}
    assert report["grids"]["org_units"] == 1 + 2 + 5 + 12
    assert report["tasks"]["visit_lists"] == 40
    assert report["tasks"]["tasks"] == 4
    # team cadres come in threes; every village has a team even with fewer teams than villages
    assert report["check"]["grids"]["villages_without_team"] == 0
    assert report["scoring"]["scores"] > 0
