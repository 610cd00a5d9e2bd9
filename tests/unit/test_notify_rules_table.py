"""Every row of notify's rule table is tested: for an event as its producer emits it, exactly
who is named and which role look-ups go to grids (the docs' table is checked by
test_docs_generated.py)."""

import pytest

from services.notify import domain

RULE_SET = domain.load_rules()
PLACE = {"township_id": 2, "village_id": 3, "grid_id": 4}
T = "grassroots.tasks."


def Q(level, unit, what):
    return (level, unit, what)


# (event type, data, {kind: (people named, role look-ups)}): one row or more per rule
CASES = [
    ("grassroots.grids.person.assigned.v1", {"id": 7, "roles": ["member"]}, {"assigned": ([7], [])}),
    (
        "grassroots.grids.link.created.v1",
        {"kind": "member_household", "source_id": 7, "target_id": 8},
        {"linked": ([7], [])},
    ),
    (
        T + "task.dispatched.v1",
        {**PLACE, "village_ids": [3, 5], "actor_id": 1},
        {"dispatched": ([], [Q("village", 3, "village_secretary"), Q("village", 5, "village_secretary")])},
    ),
    (
        T + "task.received.v1",
        {**PLACE, "sender_id": 20},
        {"review": ([], [Q("township", 2, "township_leader")])},
    ),
    (
        T + "task.withdrawn.v1",
        {**PLACE, "sender_id": 20, "actor_id": 20, "from_status": "pending_review"},
        {"withdrawn": ([], [Q("township", 2, "township_leader")])},
    ),
    # a task across townships: the county reviews it, and is told when it is withdrawn
    (
        T + "task.received.v1",
        {"county_id": 1, "township_id": None, "village_id": None, "grid_id": None, "sender_id": 20},
        {"review": ([], [Q("county", 1, "county_admin")])},
    ),
    (
        T + "task.withdrawn.v1",
        {
            "county_id": 1,
            "township_id": None,
            "sender_id": 20,
            "actor_id": 20,
            "from_status": "pending_review",
        },
        {"withdrawn": ([], [Q("county", 1, "county_admin")])},
    ),
    # still waiting for its code: no reviewer had it, so nobody is told
    (T + "task.withdrawn.v1", {**PLACE, "sender_id": 20, "actor_id": 20, "from_status": "needs_code"}, {}),
    (T + "task.returned.v1", {**PLACE, "sender_id": 20, "actor_id": 1}, {"returned": ([20], [])}),
    (T + "task.rejected.v1", {**PLACE, "sender_id": 20}, {"rejected": ([20], [])}),
    (T + "assignment.assigned.v1", {**PLACE, "assignee_id": 30}, {"dispatched": ([30], [])}),
    (
        T + "assignment.returned.v1",
        {**PLACE, "assignee_id": None},
        {"returned": ([], [Q("village", 3, "village_secretary")])},
    ),
    (T + "assignment.due_soon.v1", {**PLACE, "assignee_id": 30}, {"due_soon": ([30], [])}),
    (
        T + "assignment.overdue.v1",
        {**PLACE, "assignee_id": 30},
        {"overdue": ([30], [Q("village", 3, "village_secretary")])},
    ),
    (
        T + "assignment.submitted.v1",
        {**PLACE, "assignee_id": 30},
        {"acceptance": ([], [Q("township", 2, "township_leader")])},
    ),
    (T + "assignment.accepted.v1", {**PLACE, "assignee_id": 30}, {"accepted": ([30], [])}),
    (
        T + "matter.reported.v1",
        {**PLACE, "handler_id": None},
        {"reported": ([], [Q("grid", 4, "grid_workers")])},
    ),
    (
        T + "matter.escalated.v1",
        {**PLACE, "level": "village", "handler_id": 40, "reporter_id": 50},
        {"escalated": ([40], []), "progress": ([50], [])},
    ),
    (
        T + "matter.escalated.v1",
        {**PLACE, "level": "department", "handler_id": None, "reporter_id": 50},
        {"escalated": ([], [Q("township", 2, "township_leader")]), "progress": ([50], [])},
    ),
    (
        T + "matter.dispatched.v1",
        {**PLACE, "department_id": 60, "handler_id": None, "reporter_id": 50},
        {"dispatched": ([], [Q("department", 60, "department_staff")]), "progress": ([50], [])},
    ),
    (T + "matter.taken.v1", {**PLACE, "reporter_id": 50}, {"progress": ([50], [])}),
    (T + "matter.resolved.v1", {**PLACE, "reporter_id": 50, "member_id": 51}, {"resolved": ([50, 51], [])}),
    (T + "matter.rated.v1", {**PLACE, "handler_id": 40}, {"rating": ([40], [])}),
    (T + "visit.rated.v1", {**PLACE, "member_id": 51}, {"rating": ([51], [])}),
    (
        T + "alert.raised.v1",
        {**PLACE, "kind": "matter_overdue", "person_ids": [40, 9]},
        {"alert": ([40, 9], [])},
    ),
    (T + "alert.raised.v1", {**PLACE, "kind": "low_visit_rate", "person_ids": [40]}, {}),  # via the digest
    (T + "alert_digest.issued.v1", {**PLACE, "person_id": 9}, {"alert": ([9], [])}),
    (
        T + "procedure.step_returned.v1",
        {**PLACE, "actor_id": 1},
        {"returned": ([], [Q("village", 3, "village_secretary")])},
    ),
    (
        T + "project.awarded.v1",
        {**PLACE, "winner_bidder_id": 70, "lost_bidder_ids": [71, 72], "lost_village_ids": [5, 6]},
        {
            "project": (
                [70, 71, 72],
                [
                    Q("village", 3, "village_secretary"),
                    Q("village", 5, "village_secretary"),
                    Q("village", 6, "village_secretary"),
                ],
            )
        },
    ),
    ("grassroots.scoring.praise.awarded.v1", {"member_id": 51}, {"praise": ([51], [])}),
    (
        "grassroots.scoring.score.dropped.v1",
        {**PLACE, "person_id": 40},
        {"alert": ([40], [Q("village", 3, "village_secretary")])},
    ),
    (
        "grassroots.scoring.grid_colour.changed.v1",
        {**PLACE, "colour": "red"},
        {"alert": ([], [Q("grid", 4, "grid_workers"), Q("village", 3, "village_secretary")])},
    ),
    ("grassroots.scoring.grid_colour.changed.v1", {**PLACE, "colour": "green"}, {}),
    (T + "hotspot.detected.v1", {**PLACE}, {"alert": ([], [Q("township", 2, "township_leader")])}),
]


def planned(event_type, data):
    told: dict[str, tuple[list, list]] = {}
    for rule in domain.rules_for(RULE_SET, event_type, data):
        named, queries = domain.plan(rule, data)
        people, looked = told.setdefault(rule.kind, ([], []))
        people += named
        looked += [(q.level, q.unit_id, q.what) for q in queries]
    return told


@pytest.mark.parametrize(("event_type", "data", "expected"), CASES)
def test_each_rule_tells_exactly_those_who_must_act(event_type, data, expected):
    assert planned(event_type, data) == expected


def test_every_rule_has_a_row_here():
    tested = {
        id(rule) for event_type, data, _ in CASES for rule in domain.rules_for(RULE_SET, event_type, data)
    }
    untested = [r.on for r in RULE_SET if id(r) not in tested]
    assert untested == []
