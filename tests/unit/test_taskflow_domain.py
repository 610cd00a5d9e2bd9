"""Taskflow rules without a framework: screening, transitions, evidence, periods, the
ledger's canonical form, the suggester and the default catalogue."""

from datetime import UTC, date, datetime

import pytest

from common.scope import common_path
from services.tasks.taskflow import domain
from services.tasks.taskflow.catalogue_default import default_matters
from services.tasks.taskflow.screening import THRESHOLD, Suggester

RULE = domain.MatterRule(code="PA001", levels=("village", "grid"), retired=False)


def test_screening_reasons_in_order():
    assert domain.screen(None, ["village"], []) == "unknown_code"
    assert domain.screen(domain.MatterRule("X", ("village",), True), ["village"], []) == "retired_code"
    assert domain.screen(RULE, ["grid"], []) is None
    # a township target reaches the township's villages, so a village matter may go there
    assert domain.screen(RULE, ["township"], []) is None
    township_only = domain.MatterRule("QT002", ("township",), False)
    assert domain.screen(township_only, ["village"], []) == "level_not_allowed"
    assert domain.screen(domain.MatterRule("DJ004", ("village",), False), ["grid"], []) == "level_not_allowed"
    assert domain.screen(RULE, ["village"], [42]) == "duplicate"


def test_assignment_transitions():
    assert domain.next_status("claim", "dispatched") == "claimed"
    assert domain.next_status("claim", "assigned") == "claimed"
    assert domain.next_status("submit", "returned") == "submitted"
    assert domain.next_status("accept", "submitted") == "accepted"
    with pytest.raises(domain.TransitionError) as err:
        domain.next_status("accept", "claimed")
    assert "已领办" in err.value.message and "验收通过" in err.value.message
    with pytest.raises(domain.TransitionError):
        domain.next_status("claim", "accepted")
    # every status a transition leads to is a known one
    assert {to for _, to in domain.ASSIGNMENT_TRANSITIONS.values()} <= set(domain.ASSIGNMENT_STATUS_LABELS)


def test_missing_evidence():
    required = ["text", "photo", "location"]
    assert domain.missing_evidence(required, {"text": "  "}) == ["text", "photo", "location"]
    full = {"text": "已完成", "photos": ["sha256:1"], "location": {"lat": 1, "lng": 2}}
    assert domain.missing_evidence(required, full) == []
    assert domain.missing_evidence(["attachment"], {"attachments": []}) == ["attachment"]


def test_paths_and_periods():
    assert common_path(["/1/2/3/", "/1/2/4/"]) == "/1/2/"
    assert common_path(["/1/2/3/"]) == "/1/2/3/"
    assert common_path(["/1/2/", "/1/5/6/"]) == "/1/"
    assert domain.ids_of("/1/2/3/4/") == {"county_id": 1, "township_id": 2, "village_id": 3, "grid_id": 4}
    assert domain.ids_of("/1/2/")["village_id"] is None
    assert domain.previous_period("2026-01", "2026-03") == ("2025-10", "2025-12")
    assert domain.month_shift("2026-01", -1) == "2025-12"
    assert domain.change_pct(70, 100) == -30.0 and domain.change_pct(5, 0) is None
    # months are Beijing months: 20:00 UTC on the last day is already the next month
    assert domain.local_month(datetime(2026, 1, 31, 20, 0, tzinfo=UTC)) == "2026-02"
    assert domain.default_deadline(datetime(2026, 1, 31, 20, 0, tzinfo=UTC), 3) == date(2026, 2, 4)


def test_ledger_canonical_form_is_stable():
    entry = {"b": 1, "a": datetime(2026, 1, 1, 8, 0, tzinfo=UTC), "c": {"z": date(2026, 1, 2), "y": "中文"}}
    text = domain.canonical(entry)
    assert text == '{"a":"2026-01-01T08:00:00Z","b":1,"c":{"y":"中文","z":"2026-01-02"}}'
    assert domain.canonical(dict(reversed(list(entry.items())))) == text


def test_default_catalogue_is_realistic():
    matters = default_matters()
    assert len(matters) >= 60 and len({m["code"] for m in matters}) == len(matters)
    names = "".join(m["name"] for m in matters)
    for kind in ("人居环境", "防汛防台", "反诈", "医保", "垃圾分类", "安全生产检查"):
        assert kind in names
    for m in matters:
        assert set(m["levels"]) <= set(domain.LEVELS) and m["levels"]
        assert set(m["evidence"]) <= set(domain.EVIDENCE_KINDS)
    assert any(m["major"] for m in matters)


def test_suggester_ranks_by_segmented_words():
    index = Suggester(default_matters())
    cases = {
        "请各村开展防范电信网络诈骗宣传活动": "PA001",
        "台风即将登陆,请做好山塘水库隐患排查": "FX001",
        "组织村民参加城乡居民医疗保险缴费": "MS001",
        "做好垃圾分类桶边督导": "RJ002",
    }
    for text, code in cases.items():
        found = index.suggest(text)
        assert found and found[0].code == code, (text, found)
        assert all(s.score >= THRESHOLD for s in found)
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
