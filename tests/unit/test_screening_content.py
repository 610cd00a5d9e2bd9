"""Content screening on its own (no database): top-3 accuracy of the suggester on the
labelled township notices in tests/data/screening_texts.yaml, "no matching matter" below
the threshold, the default negative list's hits, and a code that does not fit its text."""

import time
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError

from services.tasks.taskflow import negative_list
from services.tasks.taskflow.catalogue_default import default_matters
from services.tasks.taskflow.screening import THRESHOLD, Suggester
from services.tasks.taskflow.segmenter import Segmenter

DATA = yaml.safe_load((Path(__file__).parent.parent / "data" / "screening_texts.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def index():
    return Suggester(default_matters(), Segmenter())


@pytest.fixture(scope="module")
def rules():
    return negative_list.rules_of(negative_list.load_default())


def _text(case):
    return f"{case['title']} {case['content']}"


def test_the_test_set_is_big_enough_and_covers_the_catalogue():
    codes = {m["code"] for m in default_matters()}
    assert len(DATA["matched"]) >= 100 and len(DATA["no_match"]) >= 20 and len(DATA["negative"]) >= 20
    assert {c["code"] for c in DATA["matched"]} == codes


def test_top3_accuracy_on_township_notices(index, record_property):
    misses = []
    for case in DATA["matched"]:
        top3 = [s.code for s in index.suggest(_text(case))]
        if case["code"] not in top3:
            misses.append((case["code"], case["title"], top3))
    accuracy = 1 - len(misses) / len(DATA["matched"])
    record_property("top3_accuracy", accuracy)
    print(f"\ncontent screening top-3 accuracy: {accuracy:.1%} on {len(DATA['matched'])} notices")
    assert accuracy >= 0.95, misses


def test_texts_of_no_matter_get_no_suggestion(index):
    offered = {c["title"]: index.suggest(_text(c)) for c in DATA["no_match"]}
    assert {t: s for t, s in offered.items() if s} == {}
    # and the confidence that decided it is there to see
    best = index.ranked(_text(DATA["no_match"][0]))[0]
    assert 0 <= best.score < THRESHOLD


def test_the_negative_list_hits_its_cases_and_nothing_else(rules):
    for case in DATA["negative"]:
        found = negative_list.hits(rules, case["title"], case["content"])
        assert [h.rule_id for h in found][:1] == [case["rule"]], (case, found)
        assert found[0].matched and found[0].matched in (case["title"] + "。" + case["content"])
        assert case["rule"] in found[0].message() and found[0].name in found[0].message()
    for case in DATA["matched"] + DATA["no_match"]:
        assert negative_list.hits(rules, case["title"], case["content"]) == [], case


def test_negative_rules_match_keywords_and_patterns():
    rule = negative_list.NegativeRule("X1", "集资", "不得集资", ("拉赞助",), ("(?<!非法)集资",), 3)
    assert negative_list.hits([rule], "关于防范非法集资宣传的通知") == []
    [hit] = negative_list.hits([rule], "关于修缮祠堂", "请各村 向村民 集资")
    assert (hit.rule_id, hit.matched, hit.version) == ("X1", "集资", 3)
    assert negative_list.hits([rule], "请落实拉赞助")[0].matched == "拉赞助"


def test_a_pattern_that_backtracks_without_end_holds_the_task_instead_of_stalling():
    rule = negative_list.NegativeRule("X2", "坏正则", "", (), (r"(x+x+)+y",), 1)
    started = time.monotonic()
    [hit] = negative_list.hits([rule], "x" * 3000)
    assert hit.matched == negative_list.TIMED_OUT and time.monotonic() - started < 2


def test_a_code_that_does_not_fit_its_text_is_flagged(index):
    text = "关于做好暑期防溺水工作的通知 请各村在水塘边设置警示牌"
    flagged = index.mismatch(text, "NY007")
    assert flagged is not None and flagged.code == "NY007" and flagged.score < THRESHOLD
    assert index.mismatch(text, "AQ006") is None
    assert index.mismatch(text, "NO-SUCH-CODE") is None  # an unknown code is the code screening's


def test_a_bad_negative_list_file_is_refused(tmp_path):
    bad = tmp_path / "negative_list.yaml"
    bad.write_text("rules:\n  - rule_id: NL1\n    name: 坏规则\n    patterns: ['(未闭合']\n", "utf-8")
    with pytest.raises(ValidationError) as err:
        negative_list.load_default(bad)
    assert "patterns" in str(err.value.messages)
    empty = tmp_path / "empty.yaml"
    empty.write_text("rules:\n  - rule_id: NL1\n    name: 无关键词\n", "utf-8")
    with pytest.raises(ValidationError):
        negative_list.load_default(empty)


def test_the_segmenter_keeps_catalogue_words_whole():
    segmenter = Segmenter()
    assert not segmenter.started  # nothing loads until a service (or a caller) starts it
    segmenter.start(["五议两公开"])
    words = segmenter.tokens("关于规范运用五议两公开的通知")
    assert "五议两公开" in words and "关于" not in words and "通知" not in words


def test_a_short_text_in_the_catalogues_own_words_finds_its_matters(index):
    """Two or three words a leader types ("垃圾清理") have too few words to reach the threshold
    by BM25 alone; made of the catalogue's own words, they still find their matters, while
    short texts about something else still find none."""
    for text, expected in (("垃圾清理", {"RJ003", "RJ006"}), ("清理村道两侧垃圾堆放点", {"RJ003", "RJ006"})):
        offered = {s.code for s in index.suggest(text)}
        assert offered & expected, (text, offered)
    for text in ("召开大会", "食堂就餐", "停电检修", "放假安排"):
        assert index.suggest(text) == [], text
