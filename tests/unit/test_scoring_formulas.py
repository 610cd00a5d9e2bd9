"""Pure scoring rules: facts from events, indicators, normalisation, indices, ranks, periods,
and the configuration that is refused at start."""

import copy

import pytest
import yaml

from services.scoring import domain
from services.scoring.config import DEFAULT_PATH, ConfigError, load_config, parse_config

CONFIG = load_config()
RAW = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def event(name, data, orgpath="/1/2/3/4/", time="2026-11-05T02:00:00Z"):
    return {"id": "e1", "type": f"grassroots.tasks.{name}.v1", "time": time, "orgpath": orgpath, "data": data}


PLACE = {"township_id": 2, "village_id": 3, "grid_id": 4}


def test_default_configuration_has_quzhou_structure():
    groups = {spec["group"] for spec in CONFIG.indicators.values()}
    assert len(CONFIG.indicators) == 13 and groups == {"member_links", "committee_grids", "team_villages"}
    labels = [CONFIG.index_label(i) for i in ("pioneer", "fortress", "service", "three_links", "lead_goose")]
    assert labels == ["先锋指数", "堡垒指数", "服务指数", "三联指数", "领雁指数"]
    assert len(CONFIG.indices["lead_goose"]["dimensions"]) == 6


def test_visit_events_become_facts_for_member_grid_and_village():
    month, facts = domain.facts_for(
        event(
            "visit.recorded",
            {
                **PLACE,
                "visit_id": 1,
                "member_id": 9,
                "household_id": 5,
                "month": "2026-11",
                "visited_at": "2026-11-05",
                "on_time": True,
                "needs_raised": 2,
            },
        )
    )
    assert month == "2026-11"
    got = sorted((f.entity_kind, f.entity_id, f.measure, f.value, f.org_path) for f in facts)
    assert ("member", 9, "visits", 1.0, "/1/2/3/4/") in got
    assert ("village", 3, "needs_raised", 2.0, "/1/2/3/") in got
    assert ("grid", 4, "visits_on_time", 1.0, "/1/2/3/4/") in got
    assert len(got) == 9


def test_matter_resolution_counts_by_level_and_month_is_local_time():
    data = {
        **PLACE,
        "matter_id": 1,
        "title": "路灯",
        "source": "grid",
        "level": "department",
        "status": "resolved",
        "days_to_close": 2.5,
    }
    # 2026-11-30T17:00Z is already December in China
    month, facts = domain.facts_for(event("matter.resolved", data, time="2026-11-30T17:00:00Z"))
    assert month == "2026-12"
    assert {f.measure for f in facts} == {"matters_resolved", "dispatch_resolved", "days_to_close"}


def test_task_dispatched_counts_each_village():
    data = {
        "township_id": 2,
        "village_id": None,
        "grid_id": None,
        "task_id": 1,
        "matter_code": "A1",
        "title": "t",
        "actor_id": 1,
        "village_ids": [3, 7],
        "assignment_ids": [1, 2],
        "deadline": "2026-11-20",
        "major": False,
    }
    _, facts = domain.facts_for(event("task.dispatched", data, orgpath="/1/2/"))
    assert [(f.entity_id, f.measure, f.org_path) for f in facts] == [
        (3, "tasks_due", "/1/2/3/"),
        (7, "tasks_due", "/1/2/7/"),
    ]


def test_indicator_formulas_and_normalisations():
    totals = {
        "visits": (9.0, 9),
        "households_due": (12.0, 1),
        "visit_rating": (14.0, 3),
        "days_to_close": (8.0, 2),
    }
    ind = CONFIG.indicators
    assert domain.indicator_raw(ind["visit_rate"], totals) == 0.75
    assert domain.indicator_raw(ind["household_satisfaction"], totals) == pytest.approx(14 / 3)
    assert domain.indicator_raw(ind["needs_raised"], totals) == 0.0
    assert domain.indicator_raw(ind["overdue_count"], totals) is None  # no task was due
    assert domain.indicator_raw(ind["on_time_visit_rate"], {}) is None  # nothing visited: no value
    assert domain.normalise({"method": "target", "target": 0.8}, 1.0) == 1.0
    assert domain.normalise({"method": "lower_better", "best": 1, "worst": 7}, 4.0) == 0.5
    assert domain.normalise({"method": "range", "min": 1, "max": 5}, 4.0) == 0.75
    assert domain.normalise({"method": "range", "min": 1, "max": 5}, None) is None


def test_pioneer_index_reweights_missing_indicators_and_explains_itself():
    totals = {
        "visits": (11.0, 11),
        "households_due": (11.0, 1),
        "visits_on_time": (11.0, 11),
        "visit_rating": (20.0, 5),
        "needs_raised": (3.0, 2),
    }
    value, parts = domain.index_score(CONFIG, "pioneer", totals)
    # 0.35·1 + 0.15·1 + 0.35·0.75 + 0.15·1 = 0.9125
    assert value == 91.25
    assert sum(p["contribution"] for p in parts) == pytest.approx(value)
    # without ratings, satisfaction drops out and the other weights are scaled up
    value, parts = domain.index_score(CONFIG, "pioneer", {**totals, "visit_rating": (0.0, 0)})
    assert value == 100.0
    sat = next(p for p in parts if p["name"] == "household_satisfaction")
    assert sat["raw"] is None and sat["contribution"] == 0.0 and sat["label"] == "群众满意度"


def test_composite_and_lead_goose():
    value, parts = domain.composite_score(CONFIG, {"pioneer": 80.0, "fortress": 60.0, "service": None})
    assert value == pytest.approx((0.3 * 80 + 0.4 * 60) / 0.7, abs=1e-4)
    assert [p["label"] for p in parts] == ["先锋指数", "堡垒指数", "服务指数"]
    value, dims = domain.lead_goose_score(
        CONFIG, {"tasks_due": (2.0, 2), "tasks_done": (1.0, 1), "tasks_on_time": (1.0, 1)}
    )
    leadership = next(d for d in dims if d["name"] == "leadership")
    assert leadership["normalised"] == 0.75 and leadership["label"] == "领导力"
    integrity = next(d for d in dims if d["name"] == "integrity")
    assert integrity["normalised"] == 1.0  # no overdue tasks
    # needs raised requires a visit list: without one the service dimension has no value
    assert next(d for d in dims if d["name"] == "service")["normalised"] is None
    assert value == pytest.approx(100 * (0.2 * 0.75 + 0.1 * 1.0) / 0.3, abs=1e-4)


def test_colours_ranks_and_periods():
    thresholds = {"green": 80, "yellow": 60}
    assert [domain.colour(thresholds, v) for v in (80, 79.9, 60, 10, None)] == [
        "green",
        "yellow",
        "yellow",
        "red",
        None,
    ]
    assert domain.ranked([(5, 70.0), (3, 90.0), (4, 70.0), (9, None), (1, 10.0)]) == [
        (3, 90.0, 1),
        (4, 70.0, 2),
        (5, 70.0, 2),
        (1, 10.0, 4),
    ]
    assert domain.months_of("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert len(domain.months_of("2026")) == 12
    assert [domain.previous_period(p) for p in ("2026-01", "2026-Q1", "2026")] == [
        "2025-12",
        "2025-Q4",
        "2025",
    ]


def _bad(mutate):
    raw = copy.deepcopy(RAW)
    mutate(raw)
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return str(caught.value)


def test_bad_configurations_are_refused_with_clear_messages(tmp_path):
    message = _bad(lambda r: r["indices"]["pioneer"]["weights"].update(visit_rate=0.5))
    assert "权重之和应为 1" in message and "weights must sum to 1" in message
    message = _bad(lambda r: r["indices"]["fortress"]["weights"].update(no_such_thing=0.0))
    assert "未知的指标" in message and "unknown indicator" in message
    message = _bad(lambda r: r["indicators"]["visit_rate"]["normalisation"].update(method="zscore"))
    assert "未知的归一化方法" in message and "unknown normalisation zscore" in message
    message = _bad(lambda r: r["indicators"]["visit_rate"].update(measures=["visits"]))
    assert "needs" in message or "takes 2 measures" in message
    message = _bad(lambda r: r["indicators"]["visit_rate"].update(measures=["visits", "bananas"]))
    assert "unknown measure bananas" in message
    message = _bad(lambda r: r["indices"]["lead_goose"]["dimensions"].pop("integrity"))
    assert "6 dimensions" in message
    message = _bad(lambda r: r["grid_colours"].update(yellow=90))
    assert "yellow must not exceed green" in message
    path = tmp_path / "broken.yaml"
    path.write_text("indices: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_value_functions_give_exactly_the_explained_numbers():
    """The hot paths (event scoring, recompute) use the value-only functions; the explained
    formulas are what a score shows when opened. They must give the same floats."""
    import random

    from services.scoring import compute

    rng = random.Random(11)
    measures = domain.MEASURES
    for _ in range(3000):
        totals = {}
        for m in rng.sample(measures, rng.randint(0, len(measures))):
            count = rng.randint(0, 12)
            totals[m] = (round(rng.uniform(0, 60), 3) if rng.random() < 0.7 else float(count), count)
        for index in ("pioneer", "fortress", "service"):
            assert compute.entity_value(CONFIG, index, totals) == domain.index_score(CONFIG, index, totals)[0]
        pioneer = rng.choice([None, round(rng.uniform(0, 100), 4)])
        values = compute.village_values(CONFIG, totals, pioneer)
        fortress = domain.index_score(CONFIG, "fortress", totals)[0]
        service = domain.index_score(CONFIG, "service", totals)[0]
        assert values["fortress"] == fortress and values["service"] == service
        assert values["lead_goose"] == domain.lead_goose_score(CONFIG, totals)[0]
        assert (
            values["three_links"]
            == domain.composite_score(CONFIG, {"pioneer": pioneer, "fortress": fortress, "service": service})[
                0
            ]
        )


def _items(values):
    return [{"entity_id": i, "value": v} for i, v in enumerate(values, start=1)]


@pytest.mark.parametrize(
    "values, size, honour, warning",
    [
        ([90, 80], 10, [1], [2]),  # two ranked: one on each list
        ([90], 10, [], []),  # one ranked: neither list
        ([], 10, [], []),
        ([90, 80, 70, 60, 50], 10, [1, 2], [5, 4]),  # N at most half of those ranked
        ([90, 80, 70, 60, 50, 40], 2, [1, 2], [6, 5]),  # N at most the configured size
        ([90, 80, 80, 80], 10, [1, 2], []),  # tied with the honour list: not on the warning list
        ([70, 70, 70, 70], 10, [1, 2], []),
    ],
)
def test_honour_and_warning_lists_never_share_an_entity(values, size, honour, warning):
    top, bottom = domain.honour_and_warning(_items(values), size)
    assert [i["entity_id"] for i in top] == honour
    assert [i["entity_id"] for i in bottom] == warning
    assert not {i["entity_id"] for i in top} & {i["entity_id"] for i in bottom}


def test_no_data_is_grey_and_named_in_the_explanation():
    config = load_config()
    assert domain.shown_colour(None) == "grey" and domain.COLOURS["grey"] == "灰（无数据）"
    assert domain.shown_colour("red") == "red"
    value, parts = domain.index_score(config, "pioneer", {"visits": (3.0, 3), "households_due": (4.0, 1)})
    assert value is not None
    missing = domain.no_data_labels(parts)
    assert "群众满意度" in missing and "走访率" not in missing
    assert {p["label"]: p["no_data"] for p in parts}["走访率"] is False
    goose_value, goose = domain.lead_goose_score(config, {})
    assert goose_value is None and domain.no_data_labels(goose)  # every indicator named
