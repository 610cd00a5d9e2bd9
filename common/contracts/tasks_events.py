"""Events of the tasks service. Two capabilities emit here:

- taskflow: catalogue, screening, review, dispatch, assignments, the task ledger;
- fieldwork: monthly visit lists and visits, ratings, the escalation ladder for
  matters (needs, events, mailbox items), alerts about lagging work.

Scoring and notify consume these; the fields below are the contract they rely on.
"""

from __future__ import annotations

from common.contracts import fields
from common.contracts.events import EventData, Place, register
from common.contracts.ids import Id

# -- taskflow --------------------------------------------------------------------------


class TaskReceived(Place):
    task_id = Id(required=True)
    title = fields.String(required=True)
    matter_code = fields.String(allow_none=True)
    sender_id = Id(required=True, metadata={"description": "person who sent it"})
    sender_unit_id = Id(allow_none=True, metadata={"description": "department or township org unit"})
    target_ids = fields.List(Id(), required=True, metadata={"description": "target org unit ids"})
    deadline = fields.String(allow_none=True)


class TaskRejected(TaskReceived):
    reason = fields.String(
        required=True, metadata={"description": "unknown_code | retired_code | level_not_allowed | duplicate"}
    )
    reason_label = fields.String(
        required=True, metadata={"description": "Chinese; a duplicate names the open task"}
    )
    overlaps = fields.List(
        fields.Dict(),
        metadata={"description": "duplicate: the open work it overlaps, [{task_id, title, places}]"},
    )


class TaskReviewed(Place):
    task_id = Id(required=True)
    title = fields.String(metadata={"description": "set on approved and returned"})
    sender_id = Id(metadata={"description": "person who sent it; set on approved and returned"})
    matter_code = fields.String(allow_none=True)
    actor_id = Id(required=True)
    reason = fields.String(allow_none=True)


class TaskDispatched(Place):
    task_id = Id(required=True)
    matter_code = fields.String(required=True)
    title = fields.String(required=True)
    actor_id = Id(required=True)
    village_ids = fields.List(Id(), required=True)
    assignment_ids = fields.List(Id(), required=True)
    deadline = fields.String(required=True)
    major = fields.Boolean(required=True)


class AssignmentChanged(Place):
    """One village's (or grid's / person's) share of a task."""

    assignment_id = Id(required=True)
    task_id = Id(required=True)
    matter_code = fields.String(required=True)
    title = fields.String()
    status = fields.String(required=True, metadata={"description": "the status after the change"})
    from_status = fields.String(allow_none=True)
    actor_id = Id(allow_none=True, metadata={"description": "who did it (None for the system)"})
    assignee_id = Id(allow_none=True, metadata={"description": "person holding it, if any"})
    deadline = fields.String(required=True)
    on_time = fields.Boolean(allow_none=True, metadata={"description": "set when accepted"})
    days_to_close = fields.Float(
        allow_none=True, metadata={"description": "dispatch to acceptance, set when accepted"}
    )
    reason = fields.String(allow_none=True)


for _name, _summary in [
    ("assignment.assigned", "A village passed its assignment on to a grid or person"),
    ("assignment.claimed", "Someone claimed an assignment (领办)"),
    ("assignment.started", "Work on an assignment started"),
    ("assignment.submitted", "An assignment was submitted with its evidence"),
    ("assignment.accepted", "The sender accepted the work; the assignment is done"),
    ("assignment.returned", "The work was returned with a reason"),
    ("assignment.due_soon", "An assignment's deadline is near (reminder)"),
    ("assignment.overdue", "An assignment passed its deadline unfinished"),
]:
    register("tasks", _name, AssignmentChanged, _summary)

register("tasks", "task.received", TaskReceived, "A task arrived and passed screening; it waits for review")
register("tasks", "task.rejected", TaskRejected, "Screening rejected a task (过筛驳回)")
register("tasks", "task.approved", TaskReviewed, "The township leader approved a task")
register("tasks", "task.returned", TaskReviewed, "The township leader returned a task to its sender")
register("tasks", "task.dispatched", TaskDispatched, "A task was dispatched to one or more villages (派单)")


class TaskUpdated(TaskReviewed):
    changes = fields.Dict(required=True, metadata={"description": "field -> {from, to}"})


class DecisionRecorded(TaskReviewed):
    meeting_date = fields.String(required=True)
    attendees = fields.Integer(required=True, metadata={"description": "how many attended"})


class CatalogueChanged(EventData):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    change = fields.String(required=True, metadata={"description": "created | updated | retired"})
    actor_id = Id(allow_none=True)


class TaskWithdrawn(Place):
    task_id = Id(required=True)
    title = fields.String(required=True)
    matter_code = fields.String(allow_none=True)
    sender_id = Id(required=True, metadata={"description": "person who sent it"})
    actor_id = Id(required=True, metadata={"description": "who withdrew it: the sender or a county admin"})
    from_status = fields.String(
        required=True,
        metadata={"description": "needs_code | pending_review: the reviewers had it only in the latter"},
    )
    reason = fields.String(allow_none=True)


register("tasks", "task.updated", TaskUpdated, "The reviewer changed a task's targets or deadline")
register(
    "tasks",
    "task.withdrawn",
    TaskWithdrawn,
    "The sender withdrew a task still waiting for its screening code or for review (撤回)",
)
register("tasks", "task.decision_recorded", DecisionRecorded, "A collective decision was recorded (集体讨论)")
register(
    "tasks", "catalogue.changed", CatalogueChanged, "A catalogue matter was created, versioned or retired"
)


class NegativeRuleChanged(EventData):
    rule_id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    change = fields.String(required=True, metadata={"description": "created | updated | retired"})
    actor_id = fields.Integer(allow_none=True)


register(
    "tasks",
    "negative_rule.changed",
    NegativeRuleChanged,
    "A rule of the negative list (基层减负负面清单) was created, versioned or retired",
)


# -- fieldwork: visits -----------------------------------------------------------------


class VisitListIssued(Place):
    """A member's visit list for a month (one event per member per month)."""

    member_id = Id(required=True)
    month = fields.String(required=True)
    households = fields.Integer(required=True, metadata={"description": "households due a visit"})


class VisitRecorded(Place):
    visit_id = Id(required=True)
    member_id = Id(required=True)
    household_id = Id(required=True)
    month = fields.String(required=True)
    visited_at = fields.String(required=True)
    on_time = fields.Boolean(required=True, metadata={"description": "within the month it was due"})
    needs_raised = fields.Integer(required=True)


class VisitRated(Place):
    visit_id = Id(required=True)
    member_id = Id(required=True)
    household_id = Id(required=True)
    month = fields.String(required=True)
    rating = fields.Integer(required=True, metadata={"description": "1..5"})


register("tasks", "visit_list.issued", VisitListIssued, "A member's monthly visit list was generated")
register("tasks", "visit.recorded", VisitRecorded, "A member recorded a household visit (走访)")
register("tasks", "visit.rated", VisitRated, "A household rated a visit")


# -- fieldwork: the escalation ladder ---------------------------------------------------


class MatterChanged(Place):
    """A need, event or mailbox item on the ladder: grid → village → department."""

    matter_id = Id(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": "visit | mailbox | grid | open311"})
    level = fields.String(
        required=True, metadata={"description": "grid | village | department (after the change)"}
    )
    from_level = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"description": "open | taken | resolved | rated"})
    actor_id = Id(allow_none=True)
    handler_id = Id(allow_none=True, metadata={"description": "person now responsible"})
    department_id = Id(allow_none=True)
    member_id = Id(allow_none=True, metadata={"description": "linked member, if raised on a visit"})
    reporter_id = Id(allow_none=True)
    deadline = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "manual | deadline, when escalated"})
    days_to_close = fields.Float(allow_none=True)
    rating = fields.Integer(allow_none=True)


for _name, _summary in [
    ("matter.reported", "A matter was reported at grid level (微事快办 starts)"),
    ("matter.escalated", "A matter moved up the ladder (by hand or by deadline)"),
    ("matter.dispatched", "The township platform sent a matter to a department (点兵点将)"),
    ("matter.taken", "A department took the order (接单)"),
    ("matter.resolved", "A matter was resolved at its level"),
    ("matter.rated", "The requester rated the result"),
]:
    register("tasks", _name, MatterChanged, _summary)


class AlertRaised(Place):
    alert_id = Id(required=True)
    kind = fields.String(
        required=True, metadata={"description": "e.g. low_visit_rate | low_completion_rate | matter_overdue"}
    )
    subject_kind = fields.String(required=True, metadata={"description": "member | grid | village | matter"})
    subject_id = Id(required=True)
    person_ids = fields.List(Id(), required=True, metadata={"description": "who should be told"})
    value = fields.Float(allow_none=True)
    threshold = fields.Float(allow_none=True)
    month = fields.String(allow_none=True)
    message = fields.String(required=True, metadata={"description": "Chinese text for people"})


register(
    "tasks",
    "alert.raised",
    AlertRaised,
    "Work is lagging: a rate fell below its threshold or a matter is overdue",
)


class LaggingItem(EventData):
    alert_id = Id(required=True)
    kind = fields.String(required=True, metadata={"description": "low_visit_rate | low_completion_rate"})
    subject_kind = fields.String(required=True, metadata={"description": "member | grid | village"})
    subject_id = Id(required=True)
    name = fields.String(required=True, metadata={"description": "the member's, grid's or village's name"})
    value = fields.Float(required=True, metadata={"description": "rate, a fraction 0..1"})
    threshold = fields.Float(required=True, metadata={"description": "a fraction 0..1"})
    part = fields.Integer(required=True)
    whole = fields.Integer(required=True)


class AlertDigestIssued(Place):
    person_id = Id(required=True, metadata={"description": "who is told"})
    month = fields.String(required=True)
    phase = fields.String(required=True, metadata={"description": "mid | end"})
    title = fields.String(required=True, metadata={"description": "Chinese: what happened and where"})
    message = fields.String(required=True, metadata={"description": "Chinese: one line per lagging subject"})
    items = fields.List(fields.Nested(LaggingItem), required=True)


register(
    "tasks",
    "alert_digest.issued",
    AlertDigestIssued,
    "One person's alert of a check: every member, grid and village they answer for that lags, with rates",
)


# -- procedures: templates, procedures, the project board ------------------------------


class TemplateChanged(EventData):
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    change = fields.String(required=True, metadata={"description": "created | updated"})
    actor_id = Id(allow_none=True)


class ProcedureChanged(Place):
    procedure_id = Id(required=True)
    template_code = fields.String(required=True)
    template_version = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    actor_id = Id(required=True)
    task_id = Id(allow_none=True)
    assignment_id = Id(allow_none=True)
    matter_code = fields.String(allow_none=True)
    step_key = fields.String(allow_none=True)
    position = fields.Integer(allow_none=True)
    reasons = fields.List(fields.Dict(), metadata={"description": "set when a step was returned"})
    days = fields.Float(allow_none=True, metadata={"description": "set when completed"})


class ProjectChanged(Place):
    project_id = Id(required=True)
    title = fields.String(required=True)
    budget = fields.Integer(required=True)
    deadline = fields.String(required=True)
    actor_id = Id(required=True)
    bid_id = Id(allow_none=True)
    bids = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    task_id = Id(allow_none=True)
    winner_bidder_id = Id(allow_none=True, metadata={"description": "awarded: who bid for the winner"})
    lost_bidder_ids = fields.List(
        Id(), allow_none=True, metadata={"description": "awarded: who bid for the other villages"}
    )
    lost_village_ids = fields.List(Id(), allow_none=True)


register("tasks", "template.changed", TemplateChanged, "A procedure template was added or versioned")
register("tasks", "procedure.started", ProcedureChanged, "A village started a procedure (五议两公开 …)")
register(
    "tasks", "procedure.step_completed", ProcedureChanged, "A procedure step was completed with its evidence"
)
register(
    "tasks",
    "procedure.step_returned",
    ProcedureChanged,
    "A procedure step failed its evidence or rules; the matter went back with the reasons",
)
register("tasks", "procedure.completed", ProcedureChanged, "A procedure's last step was completed")
register("tasks", "project.posted", ProjectChanged, "A township posted a project on the board (揭榜)")
register(
    "tasks",
    "project.bid_submitted",
    ProjectChanged,
    "A village bid for a project, or revised its bid (village_id: the bidder)",
)
register(
    "tasks",
    "project.awarded",
    ProjectChanged,
    "A township awarded a project publicly (village_id: the winner; task_id: the task it became)",
)


# -- open311 / hotspots ------------------------------------------------------------------
# Open311 requests become mailbox matters and are evented as `matter.*` with source "open311".


class HotspotDetected(Place):
    """Many similar requests in one village or township this week, beyond its usual rate."""

    hotspot_id = Id(required=True)
    week = fields.String(required=True, metadata={"description": "ISO week in China time, e.g. 2026-W14"})
    place_kind = fields.String(required=True, metadata={"description": "village | township"})
    place_id = Id(required=True)
    place_name = fields.String(allow_none=True)
    label = fields.String(required=True, metadata={"description": "the group's top character bigrams"})
    count = fields.Integer(required=True)
    baseline_mean = fields.Float(required=True)
    baseline_std = fields.Float(required=True)
    z_score = fields.Float(required=True)
    matter_ids = fields.List(Id(), required=True)
    sample_texts = fields.List(fields.String(), required=True)
    message = fields.String(required=True, metadata={"description": "Chinese text for people"})


register(
    "tasks",
    "hotspot.detected",
    HotspotDetected,
    "Similar requests in a village or township grew faster than usual this week (预测预警)",
)
