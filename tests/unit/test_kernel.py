"""The framework-free kernel every service shares (issue 16 part 4): China time and months,
org paths, pages."""

from datetime import UTC, date, datetime

from common import china_time, org_paths
from common.paging import first, page_of


def test_months_and_days_are_china_time_and_naive_is_utc():
    late = datetime(2026, 1, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 February in China
    assert china_time.month_of(late) == "2026-02"
    assert china_time.month_of(late.replace(tzinfo=None)) == "2026-02"
    assert china_time.china_today(late) == date(2026, 2, 1)
    start, end = china_time.month_bounds("2026-12")
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00")
    assert china_time.previous_month("2026-01") == "2025-12"


def test_org_paths_name_the_places_up_the_tree():
    assert org_paths.path_ids("/1/5/23/77/") == [1, 5, 23, 77]
    assert org_paths.ids_of("/1/5/") == {
        "county_id": 1,
        "township_id": 5,
        "village_id": None,
        "grid_id": None,
    }
    assert org_paths.place_of("/1/5/23/") == {"township_id": 5, "village_id": 23, "grid_id": None}
    assert (
        org_paths.county_of("/9/5/") == 9 and org_paths.path_ids("") == [] and org_paths.path_ids(None) == []
    )


def test_a_page_has_one_shape():
    q = {"page": 3, "per_page": 20}
    assert first(q) == 40
    assert page_of(["a"], 41, q) == {"items": ["a"], "meta": {"page": 3, "per_page": 20, "total": 41}}


def test_spaces_and_invisible_characters_are_not_text():
    from common.text import is_blank, visible

    assert is_blank(" \u3000\t\u200b\u200d\ufeff") and is_blank(None)
    assert visible("\u200b路灯坏了 ") == "路灯坏了" and not is_blank("好")


def test_a_refusal_says_its_detail_in_the_asked_language():
    import json

    from common.errors import conflict
    from gateway.http import problem

    error = conflict("该事项已办结,不能重复办结", "The matter is already resolved.")
    english = json.loads(problem(error, "en").get_data())
    chinese = json.loads(problem(error, "zh").get_data())
    assert (english["detail"], chinese["detail"]) == (
        "The matter is already resolved.",
        "该事项已办结,不能重复办结",
    )
