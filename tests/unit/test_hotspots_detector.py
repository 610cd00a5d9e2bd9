"""The hotspot detector's pure core: weeks, bigrams, clustering, and the explained baseline,
then precision and recall on generated data with planted spikes and noise."""

from services.tasks.hotspots import detector
from services.tasks.hotspots.detector import Item, Params, detect
from tests.unit.hotspots_synthetic import generate, score

WEEK = "2026-W20"


def test_weeks_are_iso_weeks_in_china_time():
    from datetime import UTC, datetime

    # Sunday 17:00 UTC is already Monday 01:00 in China: the next week
    assert detector.week_of(datetime(2026, 5, 17, 17, 0, tzinfo=UTC)) == "2026-W21"
    assert detector.week_of(datetime(2026, 5, 17, 15, 0, tzinfo=UTC)) == "2026-W20"
    assert detector.shift_week("2026-W01", -1) == "2025-W52"
    assert detector.weeks_before(WEEK, 3) == ["2026-W17", "2026-W18", "2026-W19"]
    assert detector.week_start(WEEK).isoformat() == "2026-05-11T00:00:00+08:00"


def test_bigrams_stay_inside_chinese_runs_and_drop_filler():
    grams = detector.bigrams("自来水水压太低!http://x.cn/a.jpg 希望尽快处理 A1")
    assert grams == ["自来", "来水", "水水", "水压", "压太", "太低", "望尽", "快处"]
    assert detector.bigrams("水") == ["水"]
    assert detector.bigrams("") == []


def _items(counts: dict[str, int], text: str, village=11, township=1, start=1) -> list[Item]:
    items, n = [], start
    for week, count in counts.items():
        for k in range(count):
            items.append(Item(n, f"{text}{'' if k % 2 else ',麻烦看看'}", week, village, township))
            n += 1
    return items


def test_a_spike_over_a_quiet_baseline_is_found_with_its_explanation():
    weeks = detector.weeks_before(WEEK, 8)
    baseline = _items({w: 1 for w in weeks}, "自来水水压太低")
    spike = _items({WEEK: 9}, "自来水水压太低,楼上没水", start=100)
    other = _items({w: 2 for w in [*weeks, WEEK]}, "路灯不亮晚上很黑", village=12, start=200)
    found = detect(baseline + spike + other, WEEK)
    assert len(found) == 1
    h = found[0]
    assert (h.place_kind, h.place_id, h.week, h.count) == ("village", 11, WEEK, 9)
    assert h.history == [1] * 8 and h.mean == 1.0 and h.std == 0.0
    assert h.z == 8.0  # (9 - 1) / max(std 0, √1, floor 1)
    assert any("水" in t for t in h.terms) and h.item_ids == list(range(100, 109))
    assert len(h.samples) == 5 and all("水" in s for s in h.samples)


def test_a_busy_but_steady_subject_and_small_bumps_are_not_hotspots():
    weeks = detector.weeks_before(WEEK, 8)
    busy = _items(
        {w: c for w, c in zip([*weeks, WEEK], [6, 9, 7, 8, 6, 9, 8, 7, 10], strict=True)}, "垃圾没人清运"
    )
    bump = _items({WEEK: 4}, "流浪狗咬人", village=12, start=500)
    assert detect(busy + bump, WEEK) == []
    # the minimum count holds even over an empty baseline
    assert detect(_items({WEEK: 5}, "流浪狗咬人"), WEEK, Params(min_count=6)) == []


def test_a_township_wide_rise_is_raised_for_the_township():
    weeks = detector.weeks_before(WEEK, 8)
    items = []
    for n, village in enumerate((11, 12, 13)):
        items += _items(
            {w: 0 for w in weeks} | {WEEK: 3}, "医保缴费怎么交", village=village, start=1000 * (n + 1)
        )
    found = detect(items, WEEK)
    assert [(h.place_kind, h.place_id, h.count) for h in found] == [("township", 1, 9)]


def test_detection_is_deterministic():
    data = generate(3, WEEK)
    first = detect(data.items, WEEK)
    again = detect(list(reversed(data.items)), WEEK)
    assert [(h.place_kind, h.place_id, h.item_ids, h.z) for h in first] == [
        (h.place_kind, h.place_id, h.item_ids, h.z) for h in again
    ]


def test_precision_and_recall_on_generated_data():
    """50 generated counties (3 townships x 5 villages, 9 weeks): two village spikes and one
    township-wide spike planted in each, over Poisson background, one-off noise and small bumps."""
    true = detections = found = planted = 0
    for seed in range(50):
        week = detector.shift_week(WEEK, seed % 7)
        data = generate(seed, week)
        t, d, f = score(detect(data.items, week), data)
        true, detections, found, planted = true + t, detections + d, found + f, planted + len(data.planted)
    precision, recall = true / detections, found / planted
    print(
        f"hotspots: precision {precision:.3f} ({true}/{detections}), recall {recall:.3f} ({found}/{planted})"
    )
    assert precision >= 0.85
    assert recall >= 0.9
