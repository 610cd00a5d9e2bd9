"""notify's decisions without I/O: the rule table, templates, topic patterns, scope of
subscriptions, signatures, backoff, quiet hours, digests; and the publisher's frames."""

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import amqp
import pytest

from common.contracts.events import CATALOGUE
from common.errors import DomainError
from common.outbox import publish_frames
from common.scope import Actor
from services.notify import domain
from services.notify.rules import RULES

RULE_SET = domain.load_rules()


def actor(roles, scope, id_=7):
    return Actor(id_, "x", frozenset(roles), None, None, tuple(scope))


def notices_for(event_type, data, looked_up=()):
    result = []
    for rule in domain.rules_for(RULE_SET, event_type, data):
        named, queries = domain.plan(rule, data)
        result += domain.notices(rule, data, named + list(looked_up))
    return result


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("grassroots.tasks.#", "grassroots.tasks.task.dispatched.v1", True),
        ("grassroots.*.alert.raised.v1", "grassroots.tasks.alert.raised.v1", True),
        ("grassroots.*.alert.raised.v1", "grassroots.tasks.x.alert.raised.v1", False),
        ("#", "anything.at.all", True),
        ("grassroots.scoring.praise.#", "grassroots.scoring.praise.v1", True),
        ("grassroots.scoring.praise.#", "grassroots.scoring.praised.v1", False),
        ("a.b", "a.b.c", False),
    ],
)
def test_topic_patterns_follow_amqp(pattern, key, expected):
    assert domain.topic_matches(pattern, key) is expected


def test_every_rule_pattern_meets_a_catalogued_type_or_a_scoring_family():
    for rule in RULE_SET:
        known = any(domain.topic_matches(rule.on, t) for t in CATALOGUE)
        assert known or rule.on.startswith("grassroots.scoring."), rule.on
    assert len(RULES) == len(RULE_SET)
    assert "grassroots.scoring.praise.#" in domain.binding_patterns(RULE_SET)


def test_assignment_returned_goes_to_the_assignee_not_the_actor():
    data = {
        "assignment_id": 3,
        "task_id": 1,
        "matter_code": "M01",
        "title": "垃圾分类检查",
        "status": "returned",
        "actor_id": 11,
        "assignee_id": 42,
        "deadline": "2026-12-01",
        "reason": "照片不清楚",
        "village_id": 5,
    }
    [notice] = notices_for("grassroots.tasks.assignment.returned.v1", data)
    assert (notice.person_id, notice.kind) == (42, "returned")
    assert notice.title == "任务被退回:垃圾分类检查" and "照片不清楚" in notice.body
    # nobody holds it: the village secretary is asked instead (fallback)
    named, queries = domain.plan(
        domain.rules_for(RULE_SET, "grassroots.tasks.assignment.returned.v1", data)[0],
        {**data, "assignee_id": None},
    )
    assert named == [] and queries == [domain.RoleQuery("village", 5, "village_secretary")]


def test_dispatch_asks_for_the_secretary_of_every_village():
    data = {
        "task_id": 1,
        "title": "防汛",
        "matter_code": "M9",
        "actor_id": 2,
        "village_ids": [5, 6],
        "deadline": "2026-12-01",
    }
    [rule] = domain.rules_for(RULE_SET, "grassroots.tasks.task.dispatched.v1", data)
    assert domain.plan(rule, data) == (
        [],
        [
            domain.RoleQuery("village", 5, "village_secretary"),
            domain.RoleQuery("village", 6, "village_secretary"),
        ],
    )
    [a, b] = domain.notices(rule, data, [31, 32, 31, 2])  # duplicates and the dispatcher dropped
    assert (a.person_id, b.person_id) == (31, 32) and "截止 2026-12-01" in a.body


def test_escalation_rules_choose_by_level_and_label_fields():
    data = {
        "matter_id": 9,
        "title": "路灯坏了",
        "source": "mailbox",
        "level": "department",
        "from_level": "village",
        "status": "open",
        "reason": "deadline",
        "township_id": 3,
    }
    rule, requester = domain.rules_for(RULE_SET, "grassroots.tasks.matter.escalated.v1", data)
    assert domain.plan(rule, data) == ([], [domain.RoleQuery("township", 3, "township_leader")])
    assert requester.kind == "progress" and domain.plan(requester, data) == ([], [])  # no requester here
    [notice] = domain.notices(rule, data, [8])
    assert "从村上报到乡镇平台(超时自动上报)" in notice.body


def test_alerts_praise_and_links():
    alert = {
        "alert_id": 1,
        "kind": "low_visit_rate",
        "subject_kind": "member",
        "subject_id": 4,
        "person_ids": [4, 5],
        "message": "本月走访率 40%,低于 80%",
    }
    # a lagging rate reaches people once per check through the digest, not once per subject
    assert notices_for("grassroots.tasks.alert.raised.v1", alert) == []
    overdue = {**alert, "kind": "matter_overdue", "subject_kind": "matter", "message": "事项“路灯”已超时"}
    assert [
        (n.person_id, n.title, n.body) for n in notices_for("grassroots.tasks.alert.raised.v1", overdue)
    ] == [
        (4, "事项超时预警", "事项“路灯”已超时"),
        (5, "事项超时预警", "事项“路灯”已超时"),
    ]
    digest = {"person_id": 9, "title": "2026-11 月中预警：东山村走访率偏低（2 项）", "message": "1. …\n2. …"}
    [told] = notices_for("grassroots.tasks.alert_digest.issued.v1", digest)
    assert (told.person_id, told.kind, told.title, told.body) == (
        9,
        "alert",
        digest["title"],
        digest["message"],
    )
    [praise] = notices_for("grassroots.scoring.praise.awarded.v1", {"member_id": 12})
    assert praise.kind == "praise" and praise.body.startswith("您的工作获得表扬")
    assert (
        notices_for(
            "grassroots.grids.link.created.v1", {"kind": "team_village", "source_id": 1, "target_id": 2}
        )
        == []
    )
    [link] = notices_for(
        "grassroots.grids.link.created.v1", {"kind": "cadre_grid", "source_id": 1, "target_id": 2}
    )
    assert link.title == "新增联系网格"
    [assigned] = notices_for(
        "grassroots.grids.person.assigned.v1", {"id": 3, "roles": ["member", "grid_worker"]}
    )
    assert assigned.body == "您已被登记为联户党员、网格员。"


def test_a_rule_with_a_bad_role_source_is_refused():
    with pytest.raises(ValueError):
        domain.Rule.from_dict({"on": "x", "kind": "k", "title": "t", "body": "b", "roles": ["galaxy:king"]})


def test_subscription_scope():
    county = actor(["county_admin"], ["/1/"])
    township = actor(["township_leader"], ["/1/5/"])
    assert domain.subscription_scope(county, None) == "/1/"
    assert domain.subscription_scope(county, "/1/5/23/") == "/1/5/23/"
    assert domain.subscription_scope(township, None) == "/1/5/"
    with pytest.raises(DomainError) as caught:
        domain.subscription_scope(township, "/1/6/")
    assert caught.value.code == "out_of_scope"
    with pytest.raises(DomainError) as caught:
        domain.subscription_scope(actor(["grid_worker"], ["/1/5/23/77/"]), None)
    assert caught.value.code == "forbidden"
    assert domain.wants(["grassroots.tasks.#"], "/1/5/", "grassroots.tasks.task.dispatched.v1", "/1/5/23/")
    assert not domain.wants(["grassroots.tasks.#"], "/1/5/", "grassroots.tasks.task.dispatched.v1", "/1/6/2/")
    assert not domain.wants(["grassroots.tasks.#"], "/1/5/", "grassroots.tasks.task.dispatched.v1", "")
    assert not domain.wants(["grassroots.grids.#"], "/1/5/", "grassroots.tasks.task.dispatched.v1", "/1/5/")


def test_signatures():
    body = b'{"id":"1"}'
    expected = "sha256=" + hmac.new(b"k" * 20, body, hashlib.sha256).hexdigest()
    assert domain.sign_body("k" * 20, body) == expected
    assert domain.verify_body("k" * 20, body, expected) and not domain.verify_body("x" * 20, body, expected)
    sign = domain.dingtalk_sign("SECabc", 1700000000000)
    raw = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert base64.b64decode(sign) == raw


def test_backoff_doubles_up_to_a_cap():
    assert [domain.backoff(n, 30, 200).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 200, 200]


def test_quiet_hours_cross_midnight_in_local_time():
    quiet = domain.QuietHours.parse("22:00-07:00", 8)
    at = lambda h, m=0: datetime(2026, 3, 1, h, m, tzinfo=UTC)  # noqa: E731 - UTC; local = +8
    assert quiet.covers(at(14, 30))  # 22:30 local
    assert quiet.covers(at(22))  # 06:00 local
    assert not quiet.covers(at(23))  # 07:00 local
    assert not quiet.covers(at(3))  # 11:00 local
    assert quiet.next_end(at(14, 30)) == at(23)
    assert quiet.next_end(at(22)) == at(23)
    assert domain.QuietHours.parse("", 8) is None
    with pytest.raises(ValueError):
        domain.QuietHours.parse("late", 8)


def test_digest_text():
    title, text = domain.digest_text(date(2026, 3, 1), [("alert", f"预警 {i}") for i in range(12)])
    assert title == "每日消息汇总(2026-03-01)"
    assert text.startswith("您有 12 条未读消息") and "10. 预警 9" in text and "另有 2 条" in text
    start, end = domain.local_day_bounds(date(2026, 3, 1), domain.QuietHours.parse("0:00-1:00", 8).tz)
    assert start.astimezone(UTC) == datetime(2026, 2, 28, 16, tzinfo=UTC) and end - start == timedelta(days=1)


def test_publish_frames_match_py_amqp_byte_for_byte():
    body = '{"id": "e-1", "data": "基层"}'.encode()
    frames = publish_frames(1, "grassroots.events", "grassroots.x.y.v1", body, "e-1", 131072)
    message = amqp.Message(
        body,
        content_type="application/cloudevents+json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id="e-1",
    )
    assert message._serialize_properties() in frames
    # a body larger than a frame is split into body frames of frame_max - 8 bytes
    big = publish_frames(1, "x", "k", b"a" * 300, "e", 108)
    assert big.count(b"\xce") == 2 + 3


def test_every_rule_matches_a_catalogued_event():
    """A rule whose pattern matches no event type in the catalogue would never fire."""
    rules = domain.load_rules()
    for rule in rules:
        assert any(domain.rules_for([rule], t, _satisfying(rule)) for t in CATALOGUE), rule


def _satisfying(rule) -> dict:
    """Data that meets a rule's `when` conditions."""
    return {key: values[0] for key, values in (getattr(rule, "when", None) or {}).items()}


def test_scoring_drops_red_grids_and_hotspots_reach_people():
    rules = domain.load_rules()
    drop = {"member_id": 7, "village_id": 3, "message": "先锋指数下降", "entity_kind": "member"}
    named, queries = domain.plan(
        domain.rules_for(rules, "grassroots.scoring.score.dropped.v1", drop)[0], drop
    )
    assert named == [7] and [q.what for q in queries] == ["village_secretary"]
    red = {"grid_id": 9, "village_id": 3, "colour": "red", "value": 41.0}
    assert domain.rules_for(rules, "grassroots.scoring.grid_colour.changed.v1", red)
    assert not domain.rules_for(
        rules, "grassroots.scoring.grid_colour.changed.v1", {**red, "colour": "green"}
    )
    spot = {"township_id": 2, "label": "水压", "message": "溪口村本周水压投诉激增"}
    rule = domain.rules_for(rules, "grassroots.tasks.hotspot.detected.v1", spot)[0]
    assert [(q.level, q.unit_id, q.what) for q in domain.plan(rule, spot)[1]] == [
        ("township", 2, "township_leader")
    ]


def test_an_inbox_item_refers_to_what_it_is_about():
    from services.notify.refs import reference

    assert reference("matters/12") == {"kind": "matter", "id": 12, "key": "12"}
    assert reference("assignments/3") == {"kind": "assignment", "id": 3, "key": "3"}
    assert reference("visit-lists/2026-11/5") == {"kind": "visit_list", "id": 5, "key": "2026-11/5"}
    assert reference("templates/wuyi") == {"kind": "template", "id": None, "key": "wuyi"}
    assert reference("") is None and reference("demo") is None and reference("secrets/1") is None


def test_moments_in_messages_read_as_china_time_to_the_minute():
    """An event carries ISO text in UTC; a person reads "2026-12-08 15:47", and a date stays."""
    assert domain.readable("2026-12-08T07:47:22.896453+00:00") == "2026-12-08 15:47"
    assert domain.readable("2026-12-08T07:47:22") == "2026-12-08 15:47"  # naive: stored as UTC
    assert domain.readable("2026-12-01") == "2026-12-01"
    assert domain.readable("2026-13-45T99:99") == "2026-13-45T99:99"  # not a moment: as it is
    assert (
        domain.render("截止 {deadline}", {"deadline": "2026-12-08T16:30:00+00:00"}) == "截止 2026-12-09 00:30"
    )
