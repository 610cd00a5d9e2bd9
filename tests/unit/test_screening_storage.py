"""Content screening on a migrated database (SQLite and PostgreSQL) through taskflow's own
commands: the negative list loads with the catalogue and is versioned, a hit holds the task
for review with the rule named and is counted by rule, a code that does not fit its text is
flagged, a text of no matter gets "no matching matter", and aliases survive an old workbook."""

import io
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from common.errors import DomainError
from common.scope import Actor
from services.tasks import models
from services.tasks.taskflow import commands, negative_rules, queries
from services.tasks.taskflow.screening_models import ScreeningHit
from tests.conftest import make_uow_factory

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
ADMIN = Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
LEADER = Actor(2, "镇领导", frozenset({"township_leader"}), 2, None, ("/1/2/",))
UNITS = {
    2: {"id": 2, "level": "township", "name": "镇", "path": "/1/2/", "parent_id": 1},
    3: {"id": 3, "level": "village", "name": "甲村", "path": "/1/2/3/", "parent_id": 2},
}


class Org:
    def units(self, ids):
        return [UNITS[i] for i in ids if i in UNITS]


@pytest.fixture
def uow_factory(any_database):
    factory = make_uow_factory(any_database("tasks"), models)
    with factory() as uow:
        commands.seed_default(uow, NOW)
        assert negative_rules.seed_default(uow, NOW)["created"] >= 5
        uow.commit()
    return factory


def _send(factory, title, content="", code=None):
    body = {"title": title, "content": content, "matter_code": code, "target_ids": [3]}
    with factory() as uow:
        task = commands.submit_task(uow, LEADER, body, Org(), NOW)
        events = [e for e in uow.events]
        uow.commit()
        return queries.task_dicts(uow.session, [task])[0], events


def test_a_negative_list_hit_is_held_for_review_and_counted_by_rule(uow_factory):
    task, events = _send(uow_factory, "关于开展反诈宣传的通知", "请各村收集村民银行卡号,并转发截图", "PA001")
    assert task["status"] == "pending_review" and task["held"] is True and task["code_mismatch"] is False
    rules = [(r["rule_id"], r["rule_name"]) for r in task["screening_reasons"]]
    assert rules == [("NL001", "收集群众银行账户或财产信息"), ("NL004", "转发点赞截图刷票")]
    [received] = [e for e in events if e.type == "grassroots.tasks.task.received.v1"]
    assert received.data["negative_rules"] == ["NL001", "NL004"]
    _send(uow_factory, "关于组织捐款的通知", "每村募捐两万元", "XX999")  # rejected by code, still counted
    with uow_factory() as uow:
        stats = queries.rejection_stats(uow.session, LEADER, None)
        assert stats["by_reason"]["negative_list"] == 2 and stats["by_reason"]["unknown_code"] == 1
        assert {k: v["count"] for k, v in stats["by_rule"].items()} == {"NL001": 1, "NL002": 1, "NL004": 1}
        assert stats["total"] == 3
        ledger = queries.ledger(uow.session, ADMIN, {"page": 1, "per_page": 50, "task_id": task["id"]})
        assert "content_flagged" in {e["action"] for e in ledger["items"]}
        summary = queries.task_stats(uow.session, LEADER, "2026-03", "2026-03", NOW)
        assert summary["negative_list"] == 2 and summary["negative_list_by_rule"]["NL004"] == 1
    with uow_factory() as uow:  # the reviewer may still approve it: the override is on record
        commands.approve_task(uow, LEADER, task["id"], NOW)
        uow.commit()
        ledger = queries.ledger(uow.session, ADMIN, {"page": 1, "per_page": 50, "task_id": task["id"]})
        [approved] = [e for e in ledger["items"] if e["action"] == "approved"]
        assert approved["detail"]["overrides"] == ["NL001", "NL004"]


def test_an_edited_rule_takes_effect_as_a_new_version(uow_factory):
    text = "关于征集村歌的通知", "请各村组织村民为村歌作品打call"
    assert _send(uow_factory, *text, "WM003")[0]["held"] is False
    with uow_factory() as uow:
        with pytest.raises(DomainError) as err:
            negative_rules.update(uow, LEADER, "NL004", {"keywords": ["打call"]}, NOW)
        assert err.value.code == "forbidden"
        rule = negative_rules.update(uow, ADMIN, "NL004", {"keywords": ["打call", "转发"]}, NOW)
        assert rule.version == 2 and rule.name == "转发点赞截图刷票"  # unchanged fields carry over
        uow.commit()
    task, _ = _send(uow_factory, *text, "WM003")
    assert task["held"] and task["screening_reasons"][0]["rule_version"] == 2
    with uow_factory() as uow:
        negative_rules.retire(uow, ADMIN, "NL004", NOW)
        uow.commit()
    assert _send(uow_factory, *text, "WM003")[0]["held"] is False
    with uow_factory() as uow:
        assert [r.version for r in negative_rules.versions(uow.session, "NL004")] == [1, 2]
        assert "NL004" not in {r.rule_id for r in negative_rules.listed(uow.session)}
        assert uow.session.query(ScreeningHit).count() == 1


def test_a_code_that_does_not_fit_is_flagged_and_no_match_is_said(uow_factory):
    task, _ = _send(uow_factory, "关于做好暑期防溺水工作的通知", "请各村在水塘边设置警示牌", "NY007")
    assert task["status"] == "pending_review" and task["code_mismatch"] is True
    assert task["screening_reasons"][0]["kind"] == "code_mismatch"
    assert "NY007" in task["screening_reasons"][0]["message"]
    uncoded, _ = _send(uow_factory, "关于召开年终总结表彰大会的通知", "请各村书记准时参加")
    assert uncoded["status"] == "needs_code" and uncoded["suggestions"] == []
    assert (uncoded["no_match"], uncoded["no_match_message"]) == (True, "未找到匹配事项")
    with uow_factory() as uow:
        listed = queries.tasks(uow.session, LEADER, {"page": 1, "per_page": 50, "flagged": True})
        assert [t["id"] for t in listed["items"]] == [task["id"]]
    with uow_factory() as uow:  # coding it with an unrelated matter raises the flag at that point
        coded = commands.code_task(uow, LEADER, uncoded["id"], "AQ006", NOW)
        assert coded.status == "pending_review" and coded.code_mismatch is True


def test_aliases_survive_a_workbook_without_their_column(uow_factory):
    with uow_factory() as uow:
        assert "反诈宣传" in queries.matter_dict(commands.current_matter(uow.session, "PA001"))["aliases"]
        content = queries.catalogue_xlsx(uow.session)
    rows, errors = queries.parse_catalogue_xlsx(content)
    assert not errors and all("aliases" in r for r in rows)
    old = Workbook()
    old.active.append(queries.XLSX_HEADERS[:-1])  # as exported before aliases existed
    old.active.append(
        [
            "PA001",
            "反诈宣传进村入户",
            "平安建设",
            "村、网格",
            "县公安局",
            14,
            "否",
            "文字说明",
            "反诈",
            "",
            "在用",
        ]
    )
    path = io.BytesIO()
    old.save(path)
    rows, errors = queries.parse_catalogue_xlsx(path.getvalue())
    assert not errors and "aliases" not in rows[0]
    with uow_factory() as uow:
        commands.apply_catalogue(uow, ADMIN, rows, NOW)
        uow.commit()
        matter = commands.current_matter(uow.session, "PA001")
        assert matter.version == 2 and "反诈宣传" in matter.aliases and matter.keywords == "反诈"
