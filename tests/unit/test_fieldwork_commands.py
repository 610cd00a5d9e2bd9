"""Fieldwork use cases on both databases: list generation is idempotent and evented once
per member; ratings are one-time and rate-limited; deadlines climb the ladder; attachments
are content-addressed; alerts are raised once; statistics add up."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from common.errors import DomainError
from common.scope import Actor
from services.tasks import models
from services.tasks.fieldwork import alerts, commands, queries
from services.tasks.fieldwork.attachments import LocalStore
from services.tasks.fieldwork.models import GridContact, Matter, MemberLink
from tests.conftest import make_uow_factory
from tests.photos import jpeg

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
MONTH = "2026-03"
GRID_PATH = "/1/2/3/4/"


def member(id=100):
    return Actor(id, "党员", frozenset({"member"}), 4, None, (GRID_PATH,))


def links(members=3, per=4):
    return [
        {
            "id": m * 100 + h,
            "source_id": m,
            "target_id": m * 100 + h,
            "org_path": GRID_PATH,
            "township_id": 2,
            "village_id": 3,
            "grid_id": 4,
        }
        for m in range(100, 100 + members)
        for h in range(per)
    ]


@pytest.fixture
def uow(any_database):
    factory = make_uow_factory(any_database("tasks"), models)
    with factory() as u:
        commands.apply_links(u.session, links(), NOW)
        u.session.add(
            GridContact(
                grid_id=4,
                village_id=3,
                org_path=GRID_PATH,
                grid_workers=[7],
                cadres=[8],
                village_secretaries=[9],
            )
        )
        u.commit()
    return factory


def outbox_types(u):
    return list(u.session.scalars(select(models.OutboxMessage.type).order_by(models.OutboxMessage.seq)))


def test_generation_is_set_based_idempotent_and_evented_once(uow):
    with uow() as u:
        report = commands.generate_lists(u, MONTH, NOW)
        u.commit()
    assert report == {"month": MONTH, "members": 3, "items": 12, "total_items": 12}
    with uow() as u:
        assert commands.generate_lists(u, MONTH, NOW) == {**report, "members": 0, "items": 0}
        u.commit()
        assert outbox_types(u) == ["grassroots.tasks.visit_list.issued.v1"] * 3
        # a link ended before the next month is not listed; a new one joins the current list
        commands.end_links_not_seen(u.session, NOW + timedelta(seconds=1))
        commands.apply_links(u.session, links(1, 2), NOW + timedelta(seconds=2))
        added = commands.add_link_to_current_list(u.session, {**links(1, 5)[4]}, MONTH)
        u.commit()
        assert added == 1
        assert commands.generate_lists(u, "2026-04", NOW)["total_items"] == 2


def _visit(u, household=10000, needs=()):
    contact = u.session.get(GridContact, 4)
    data = {
        "household_id": household,
        "visited_at": None,
        "notes": "走访",
        "attachment_ids": [],
        "needs": [{"title": t, "description": ""} for t in needs],
    }
    return commands.record_visit(u, member(), data, contact, NOW)


def test_visit_marks_the_list_and_rating_code_works_once(uow):
    with uow() as u:
        commands.generate_lists(u, MONTH, NOW)
        visit, matters, code = _visit(u, needs=["路灯坏了"])
        u.commit()
        assert visit.on_time and len(matters) == 1 and matters[0].handler_id == 100
        mine = queries.my_list(u.session, member(), MONTH)
        assert mine["visited"] == 1 and mine["visit_rate"] == 0.25
    with pytest.raises(DomainError) as err:
        with uow() as u:
            commands.record_visit(
                u,
                member(),
                {"household_id": 99999, "visited_at": None, "notes": "", "attachment_ids": [], "needs": []},
                None,
                NOW,
            )
    assert err.value.code == "forbidden"
    with uow() as u:
        assert (
            commands.rate_visit(u, "1.2.3.4", {"code": code.lower(), "rating": 4, "comment": ""}, NOW).rating
            == 4
        )
        u.commit()
    with uow() as u:
        assert commands.rate_visit(u, "1.2.3.4", {"code": code, "rating": 1, "comment": ""}, NOW) is None
        u.commit()
        assert outbox_types(u).count("grassroots.tasks.visit.rated.v1") == 1


def test_wrong_codes_are_rate_limited_per_client(uow, monkeypatch):
    monkeypatch.setenv("GOV_RATING_MAX_FAILURES", "3")
    for _ in range(3):
        with uow() as u:
            assert (
                commands.rate_visit(u, "9.9.9.9", {"code": "WRONG123", "rating": 5, "comment": ""}, NOW)
                is None
            )
            u.commit()
    with uow() as u, pytest.raises(DomainError) as err:
        commands.rate_visit(u, "9.9.9.9", {"code": "WRONG123", "rating": 5, "comment": ""}, NOW)
    assert err.value.code == "too_many_attempts" and err.value.status == 429
    with uow() as u:  # another client, or the next window, is not blocked
        assert (
            commands.rate_visit(u, "8.8.8.8", {"code": "WRONG123", "rating": 5, "comment": ""}, NOW) is None
        )
        commands.attempts_left(u.session, "rating", "9.9.9.9", NOW + timedelta(minutes=16), 3, 15)


def test_deadlines_climb_then_alert_once_at_the_top(uow):
    with uow() as u:
        _, matters, _ = _visit(u, needs=["水沟堵塞"])
        u.commit()
        matter_id = matters[0].id
    for days, level in ((2.1, "village"), (5.2, "department")):
        with uow() as u:
            found = commands.overdue(u.session, NOW + timedelta(days=days))
            report = commands.escalate_overdue(
                u, found, {4: u.session.get(GridContact, 4)}, NOW + timedelta(days=days)
            )
            u.commit()
            assert report["escalated"] == [matter_id] and len(report["alerts"]) == 1
            assert u.session.get(Matter, matter_id).level == level
    assert u.session.get(Matter, matter_id).handler_id is None  # waits for the township platform
    for _ in range(2):
        with uow() as u:
            found = commands.overdue(u.session, NOW + timedelta(days=20))
            report = commands.escalate_overdue(u, found, {}, NOW + timedelta(days=20))
            u.commit()
    assert report == {"escalated": [], "alerts": []}
    with uow() as u:
        ledger = queries.matter(
            u.session, Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",)), matter_id
        )
        assert [e["action"] for e in ledger["ledger"]] == ["reported", "escalated", "escalated"]
        assert outbox_types(u).count("grassroots.tasks.alert.raised.v1") == 3


def test_attachments_are_checked_and_content_addressed(uow, tmp_path):
    store = LocalStore(tmp_path)
    photo = jpeg()
    with uow() as u:
        a = commands.store_attachment(u.session, member(), "a.jpg", photo, store)
        b = commands.store_attachment(u.session, member(), "b.html", photo, store)
        u.commit()
        assert a.sha256 == b.sha256 and store.get(a.sha256) == photo and a.kind == "photo"
        assert b.filename == "b.jpg"  # named for what the bytes are, never a page
        html_png = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
        cut_pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
        for content in (
            b"",
            b"MZ" + b"0" * 50,
            b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024),
            html_png,
            cut_pdf,
        ):
            with pytest.raises(DomainError) as err:
                commands.store_attachment(u.session, member(), "x", content, store)
            assert err.value.code == "attachment_rejected"
        stranger = Actor(5, "外人", frozenset({"member"}), 9, None, ("/1/9/9/9/",))
        with pytest.raises(DomainError):
            queries.attachment_for(u.session, stranger, a.id)
        assert queries.attachment_for(u.session, member(), a.id).id == a.id
    assert store.get("../../etc/passwd") is None


def test_alerts_once_per_period_and_stats_add_up(uow):
    with uow() as u:
        commands.generate_lists(u, MONTH, NOW)
        _, matters, _ = _visit(u, needs=["a", "b"])
        commands.resolve(u, member(), matters[0].id, "好了", NOW + timedelta(days=1))
        u.commit()
    with uow() as u:
        found = alerts.lagging(u.session, MONTH, "end")
        kinds = {(f["kind"], f["subject_kind"], f["subject_id"]) for f in found}
        assert ("low_visit_rate", "member", 100) in kinds and ("low_visit_rate", "village", 3) in kinds
        assert ("low_completion_rate", "member", 100) in kinds  # 1 of 2 < 80 %
        names = {
            "people": {100: "张建国", 101: "李秀英", 102: "王伟"},
            "units": {3: "东山村", 4: "东山村一网格"},
        }
        contacts = {4: u.session.get(GridContact, 4)}
        raised = alerts.raise_lagging(u, MONTH, "end", found, contacts, NOW, names)
        u.commit()
        assert len(raised) == len(found)
        assert alerts.raise_lagging(u, MONTH, "end", found, contacts, NOW, names) == []
        # one message per person per check, naming everything they answer for, with rates
        digests = [
            m.data
            for m in u.session.scalars(select(models.OutboxMessage).order_by(models.OutboxMessage.seq))
            if m.type == "grassroots.tasks.alert_digest.issued.v1"
        ]
        by_person = {d["person_id"]: d for d in digests}
        assert sorted(by_person) == [7, 8, 9, 100, 101, 102] and len(digests) == 6
        secretary = by_person[9]
        assert len(secretary["items"]) == len(found)  # the secretary answers for all of it
        assert secretary["title"].startswith(f"{MONTH} 月末预警：东山村") and "走访率" in secretary["title"]
        assert "联户党员李秀英（东山村）走访率 0%（0/4），低于" in secretary["message"]
        assert (
            "网格东山村一网格（东山村）走访率" in secretary["message"]
            and "村东山村走访率" in secretary["message"]
        )
        assert secretary["message"].splitlines()[0].startswith("1. 村东山村")  # villages first
        mine = by_person[101]
        assert [(i["subject_kind"], i["name"], i["value"]) for i in mine["items"]] == [
            ("member", "李秀英", 0.0)
        ]
        assert {i["alert_id"] for i in secretary["items"]} == set(raised)
        totals, rows = queries.stats(u.session, MONTH, "/1/", "grid")
    assert totals["list_items"] == 12 and totals["visited"] == 1 and totals["matters_reported"] == 2
    assert totals["matters_resolved"] == 1 and totals["completion_rate"] == 0.5
    assert totals["avg_days_to_close"] == pytest.approx(1.0, abs=0.01)
    assert rows == [{**totals, "org_unit_id": 4}]
    with uow() as u:
        assert u.session.scalar(select(func.count()).select_from(MemberLink)) == 12


def test_a_visit_says_something_and_a_household_is_asked_to_rate_once_a_month(uow):
    with uow() as u:
        commands.generate_lists(u, MONTH, NOW)
        with pytest.raises(DomainError) as err:
            commands.record_visit(
                u,
                member(),
                {"household_id": 10000, "visited_at": None, "notes": " ", "attachment_ids": [], "needs": []},
                None,
                NOW,
            )
        assert err.value.fields == {"notes": ["请写下走访情况,或附上照片"]}
        first, _, code = _visit(u)
        second, _, again = _visit(u)
        u.commit()
        assert code and again is None and second.id != first.id
