"""Pure rules of fieldwork: months in China time, the ladder, codes, file types."""

from datetime import UTC, datetime

import pytest

from common.scope import Actor
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.domain import LadderError, Level, MatterState, Status

GRID = "/1/2/3/4/"


def actor(id=1, roles=("member",), scope=(GRID,), department_id=None):
    return Actor(id, "某人", frozenset(roles), None, department_id, tuple(scope))


def state(level=Level.grid, status=Status.open, member_id=1, department_id=None):
    return MatterState(level, status, GRID, member_id, None, department_id, None)


def test_months_follow_china_time():
    assert domain.month_of(datetime(2026, 3, 31, 17, 0, tzinfo=UTC)) == "2026-04"
    assert domain.month_of(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == "2026-03"
    start, end = domain.month_bounds("2026-12")
    assert (start.month, end.year, end.month) == (12, 2027, 1)
    assert domain.previous_month("2026-01") == "2025-12"
    assert domain.place_of(GRID) == {"township_id": 2, "village_id": 3, "grid_id": 4}


def test_ladder_climbs_grid_village_department_and_stops():
    assert domain.check_escalate(actor(), state()) == Level.village
    secretary = actor(9, ("village_secretary",), ("/1/2/3/",))
    assert domain.check_escalate(secretary, state(Level.village)) == Level.department
    with pytest.raises(LadderError, match="部门层级"):
        domain.check_escalate(secretary, state(Level.department))
    with pytest.raises(PermissionError):  # a member cannot push the village's work up
        domain.check_escalate(actor(), state(Level.village))
    with pytest.raises(PermissionError):  # another member's need
        domain.check_escalate(actor(2), state())


def test_department_must_take_before_resolving_and_only_its_own():
    staff = actor(5, ("department_staff",), ("/1/",), department_id=7)
    with pytest.raises(LadderError, match="接单"):
        domain.check_resolve(staff, state(Level.department, Status.open, department_id=7))
    domain.check_resolve(staff, state(Level.department, Status.taken, department_id=7))
    with pytest.raises(PermissionError):
        domain.check_take(staff, state(Level.department, Status.open, department_id=8))
    with pytest.raises(LadderError):
        domain.check_take(staff, state(Level.department, Status.taken, department_id=7))


def test_dispatch_by_township_or_its_platform_staff_in_scope():
    leader = actor(3, ("township_leader",), ("/1/2/",))
    domain.check_dispatch(leader, state(Level.department), platform_staff=False)
    with pytest.raises(PermissionError):
        domain.check_dispatch(actor(3, ("township_leader",), ("/1/9/",)), state(Level.department), False)
    with pytest.raises(LadderError, match="四平台"):
        domain.check_dispatch(leader, state(Level.village), False)
    platform = actor(4, ("department_staff",), ("/1/2/",), department_id=11)
    domain.check_dispatch(platform, state(Level.department), platform_staff=True)


def test_rating_a_matter_once_after_it_is_resolved():
    with pytest.raises(LadderError, match="办结后"):
        domain.check_rate(actor(), state())
    domain.check_rate(actor(), state(status=Status.resolved))
    with pytest.raises(LadderError, match="已评价"):
        domain.check_rate(actor(), state(status=Status.rated))


def test_rating_codes_are_random_and_hashed_case_insensitively():
    codes = {domain.new_rating_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 8 and set(c) <= set(domain.CODE_ALPHABET) for c in codes)
    code = codes.pop()
    assert domain.hash_code(code) == domain.hash_code(" " + code.lower() + " ")
    assert domain.hash_code(code) != code and len(domain.hash_code(code)) == 64


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0", ("image/jpeg", "photo")),
        (b"\x89PNG\r\n\x1a\n", ("image/png", "photo")),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image/webp", "photo")),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", ("audio/wav", "voice")),
        (b"#!AMR\n", ("audio/amr", "voice")),
        (b"ID3\x04\x00", ("audio/mpeg", "voice")),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", ("audio/mp4", "voice")),
        (b"%PDF-1.7", ("application/pdf", "document")),
        (b"MZ\x90\x00", None),
        (b"<html>", None),
    ],
)
def test_attachment_types_come_from_magic_bytes(head, expected):
    assert domain.sniff(head + b"\x00" * 32) == expected


def test_deadlines_and_thresholds_have_defaults():
    d = domain.Deadlines()
    assert (d.days(Level.grid), d.days(Level.village), d.days(Level.department)) == (2, 3, 5)
    t = domain.Thresholds()
    assert t.visit_rate("mid") < t.visit_rate("end")
    assert domain.rate(1, 0) is None and domain.rate(1, 3) == 0.3333


@pytest.mark.parametrize(
    ("department_unit", "served"),
    [(1, True), (5, True), (6, False), (23, True), (77, True), (99, False)],
)
def test_a_department_serves_only_the_places_under_its_unit(department_unit, served):
    """点兵点将 to the county's departments or the matter's own township platform, never to
    another township's (unit 6 is a sibling township of 5)."""
    assert domain.serves(department_unit, "/1/5/23/77/") is served
