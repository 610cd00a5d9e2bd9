"""The shared package: errors that cross the bus, messages, the CloudEvents envelope."""

from datetime import UTC, datetime

import pytest
from nameko.exceptions import deserialize, serialize

from common.contracts.base import load
from common.contracts.grids import PersonCreate
from common.contracts.messages import to_english
from common.errors import DomainError, not_found
from common.events import DomainEvent, event_type, to_cloudevent
from common.storage import normalize_url


def test_domain_error_survives_the_bus():
    error = DomainError("validation_failed", {"detail": "x"}, {"name": ["必填项"]})
    rows = DomainError("import_invalid", {"count": 2}, {"rows": [{"row": 3, "column": "地址"}]})
    assert deserialize(serialize(rows)).fields == {"rows": [{"row": 3, "column": "地址"}]}
    back = deserialize(serialize(error))
    assert isinstance(back, DomainError)
    assert (back.code, back.params, back.fields, back.status) == (
        "validation_failed",
        {"detail": "x"},
        {"name": ["必填项"]},
        422,
    )


def test_messages_in_both_languages():
    error = not_found("网格", "grid")
    assert error.message("zh") == "找不到网格"
    assert error.message("en") == "grid not found"
    assert DomainError("service_timeout", {"service": "tasks"}).message() == "tasks 服务响应超时,请稍后重试"


def test_validation_errors_are_chinese_and_translate():
    with pytest.raises(DomainError) as caught:
        load(PersonCreate(), {"code": "a", "name": "", "roles": [], "extra": 1})
    fields = caught.value.fields
    assert fields["org_unit_id"] == ["必填项"]
    assert fields["extra"] == ["不认识的字段"]
    assert fields["name"] == ["长度应在 1 到 50 之间"]
    english = to_english(fields)
    assert english["org_unit_id"] == ["Missing data for required field."]
    assert english["name"] == ["Length must be between 1 and 50."]


def test_cloudevent_envelope():
    event = DomainEvent(
        service="tasks", name="task.dispatched", data={"a": 1}, subject="tasks/1", org_path="/1/"
    )
    assert event.type == "grassroots.tasks.task.dispatched.v1" == event_type("tasks", "task.dispatched")
    body = to_cloudevent(
        id=event.id,
        type=event.type,
        source="/grassroots/tasks",
        time=datetime(2026, 1, 2, 3, 4, 5),
        subject=event.subject,
        data=event.data,
        org_path=event.org_path,
    )
    assert body["specversion"] == "1.0"
    assert body["time"] == "2026-01-02T03:04:05Z"  # naive times are stored as UTC
    assert body["orgpath"] == "/1/"
    aware = to_cloudevent(
        id="x",
        type=event.type,
        source="/s",
        time=datetime(2026, 1, 2, tzinfo=UTC),
        subject="",
        data={},
        org_path="/",
    )
    assert aware["time"] == "2026-01-02T00:00:00Z"


def test_postgres_urls_get_psycopg2():
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_login_rate_limit_window():
    from gateway.ratelimit import SlidingWindow

    window = SlidingWindow(limit=3, seconds=60)
    assert [window.allow("1.2.3.4", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert window.allow("5.6.7.8", now=3)  # another client is not held back
    assert window.allow("1.2.3.4", now=61)  # the window moves on


def test_revoked_tokens_expire_from_memory():
    import time

    from gateway.revocations import RevokedTokens

    tokens = RevokedTokens()
    tokens.add("a", time.time() + 60)
    tokens.add("b", time.time() - 1)
    assert tokens.is_revoked("a") and not tokens.is_revoked("b") and not tokens.is_revoked(None)


def test_dates_people_could_mean():
    from common.contracts.fieldwork import DeadlineCheck

    for absurd, message in (
        ("6722-06-21T07:23:36+08:00", "日期应在 1900 年到 2200 年之间"),
        ("2026-06-21T07:23:36+20:15", "时区偏移超出范围"),
    ):
        with pytest.raises(DomainError) as caught:
            load(DeadlineCheck(), {"now": absurd})
        assert caught.value.fields == {"now": [message]}
    assert to_english({"now": ["时区偏移超出范围"]}) == {"now": ["The time zone offset is out of range."]}
    assert load(DeadlineCheck(), {"now": "2026-06-21T07:23:36+08:00"})["now"].year == 2026


def test_text_without_control_characters():
    with pytest.raises(DomainError) as caught:
        load(PersonCreate(), {"code": "a1", "name": "张\x04三", "roles": ["member"], "org_unit_id": 1})
    assert caught.value.fields == {"name": ["不能包含控制字符"]}
    assert (
        load(PersonCreate(), {"code": "a1", "name": "张三", "roles": ["member"], "org_unit_id": 1})["name"]
        == "张三"
    )


def test_every_conflict_is_said_in_both_languages():
    """409s carry their own English, and no conflict is raised without it."""
    import pathlib
    import re

    from common.errors import conflict

    err = conflict("该项目已揭榜", "The project has already been awarded")
    assert (err.status, err.message(), err.message("en")) == (
        409,
        "该项目已揭榜",
        "The project has already been awarded",
    )
    root = pathlib.Path(__file__).resolve().parents[2] / "services"
    bare = [
        f"{p.relative_to(root)}:{n}"
        for p in root.rglob("*.py")
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""DomainError\(\s*"conflict",\s*\{"detail": [^}]*\}\)""", line)
        and "detail_en" not in line
    ]
    assert bare == []
