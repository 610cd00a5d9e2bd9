"""Contracts of the tasks service's taskflow capability: tasks and their screening, review
and dispatch, assignments, the ledger and statistics (the catalogue's are in catalogue.py)."""

from __future__ import annotations

from marshmallow import ValidationError, validates_schema

from common.contracts import fields, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Query, Rate, Schema, Strict
from common.contracts.catalogue import MATTER_CODE, Suggestion
from common.contracts.ids import AttachmentRef, Id
from common.contracts.screening import ScreeningReason

TASK_STATUSES = [
    "needs_code",
    "rejected",
    "pending_review",
    "approved",
    "returned",
    "dispatched",
    "done",
    "withdrawn",
]
ASSIGNMENT_STATUSES = [
    "dispatched",
    "assigned",
    "claimed",
    "in_progress",
    "submitted",
    "returned",
    "accepted",
]
REJECT_REASONS = ["unknown_code", "retired_code", "level_not_allowed", "duplicate"]

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM")


# -- tasks -----------------------------------------------------------------------------


class TaskCreate(Strict):
    title = fields.String(required=True, validate=Filled(max=200))
    content = fields.String(load_default="", validate=validate.Length(max=10000))
    matter_code = fields.String(
        load_default=None, allow_none=True, validate=MATTER_CODE, metadata={"description": "screening code"}
    )
    target_ids = fields.List(
        Id(),
        required=True,
        validate=Filled(max=5000),
        metadata={"description": "org units (township, village or grid) the task is for"},
    )
    deadline = fields.Date(load_default=None, allow_none=True)


class TaskCode(Strict):
    matter_code = fields.String(required=True, validate=MATTER_CODE)


class TaskEdit(Strict):
    target_ids = fields.List(Id(), validate=Filled(max=5000))
    deadline = fields.Date()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("请至少修改对象或期限之一", "_schema")


class ReasonBody(Strict):
    reason = fields.String(required=True, validate=Filled(max=500))


class WithdrawBody(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class DecisionCreate(Strict):
    meeting_date = fields.Date(required=True)
    attendees = fields.List(
        fields.String(validate=Filled(max=50)), required=True, validate=validate.Length(min=1)
    )
    decision = fields.String(required=True, validate=Filled(max=5000))
    minutes = fields.List(
        AttachmentRef(),
        required=True,
        validate=Filled(max=50),
        metadata={"description": "会议记录:已上传附件的编号"},
    )


class Decision(Schema):
    meeting_date = fields.Date()
    attendees = fields.List(fields.String())
    decision = fields.String()
    minutes = fields.List(fields.Raw())
    recorded_by = Id()
    recorded_at = fields.DateTime()


class DispatchRequest(Strict):
    village_ids = fields.List(Id(), validate=Filled(max=5000))
    org_unit_id = Id(
        metadata={"description": "every village under this township (or county) among the targets"}
    )

    @validates_schema
    def _one(self, data, **kwargs):
        if "village_ids" in data and "org_unit_id" in data:
            raise ValidationError("village_ids 与 org_unit_id 只能选其一", "_schema")


class Target(Schema):
    org_unit_id = Id()
    level = fields.String()
    name = fields.String()
    path = fields.String()


class Task(Schema):
    id = Id()
    title = fields.String()
    content = fields.String()
    matter_code = fields.String(allow_none=True)
    matter_name = fields.String(allow_none=True)
    matter_version = fields.Integer(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    reject_reason = fields.String(allow_none=True)
    reject_reason_label = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)
    suggestions = fields.List(fields.Nested(Suggestion))
    no_match = fields.Boolean(metadata={"description": "no code and no matter fits the text"})
    no_match_message = fields.String(allow_none=True, metadata={"description": "未找到匹配事项"})
    screening_reasons = fields.List(
        fields.Nested(ScreeningReason), metadata={"description": "what content screening found"}
    )
    held = fields.Boolean(metadata={"description": "held for review by the negative list"})
    code_mismatch = fields.Boolean(metadata={"description": "the code's matter does not fit the text"})
    sender_id = Id()
    sender_name = fields.String()
    sender_department_id = Id(allow_none=True)
    org_path = fields.String()
    deadline = fields.Date()
    major = fields.Boolean()
    received_at = fields.DateTime()
    dispatched_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    targets = fields.List(fields.Nested(Target))
    overlaps = fields.List(
        fields.Nested(lambda: Overlap()),
        metadata={"description": "the open work on the same matter for the same villages (多头派单)"},
    )
    undispatched = fields.List(
        fields.Nested(lambda: UndispatchedVillage()),
        metadata={"description": "target villages not dispatched yet (派单可分批)"},
    )
    decision = fields.Nested(Decision, allow_none=True)
    assignments = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "by status"}
    )


class TasksQuery(PagedQuery):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TASK_STATUSES))
    matter_code = fields.String(load_default=None, allow_none=True)
    flagged = fields.Boolean(
        load_default=False,
        metadata={"description": "only tasks content screening flagged (negative list, code mismatch)"},
    )


class TaskPage(Schema):
    items = fields.List(fields.Nested(Task), required=True)
    meta = fields.Nested(PageMeta, required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class TaskCheckDeadlines(Strict):
    now = fields.DateTime(load_default=None, allow_none=True)


class TaskDeadlineReport(Schema):
    overdue = fields.Integer()
    due_soon = fields.Integer()


# -- assignments -----------------------------------------------------------------------


class AssignRequest(Strict):
    """To a grid (optionally a person there), or straight to a person of the village."""

    grid_id = Id(load_default=None, allow_none=True, metadata={"description": "one of the village's grids"})
    assignee_id = Id(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "with grid_id: that grid's worker or linked cadre; alone: a cadre, grid worker"
            " or the secretary of the village"
        },
    )

    @validates_schema
    def _someone(self, data, **kwargs):
        if data.get("grid_id") is None and data.get("assignee_id") is None:
            raise ValidationError("请选择分派的网格或人员", "grid_id")


class Location(Strict):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    address = fields.String(load_default="", validate=validate.Length(max=200))


class Evidence(Strict):
    text = fields.String(load_default="", validate=validate.Length(max=5000))
    photos = fields.List(AttachmentRef(), load_default=list, validate=validate.Length(max=50))
    attachments = fields.List(AttachmentRef(), load_default=list, validate=validate.Length(max=50))
    location = fields.Nested(Location, load_default=None, allow_none=True)


class SubmitRequest(Strict):
    evidence = fields.Nested(Evidence, required=True)


class Assignment(Schema):
    id = Id()
    task_id = Id()
    matter_code = fields.String()
    title = fields.String()
    township_id = Id(allow_none=True)
    village_id = Id()
    village_name = fields.String()
    grid_id = Id(allow_none=True)
    org_path = fields.String()
    assignee_id = Id(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    deadline = fields.Date()
    overdue = fields.Boolean()
    evidence = fields.Dict(
        allow_none=True,
        metadata={
            "description": "as submitted, with `files`: each attachment's name and EXIF capture time/place"
        },
    )
    evidence_warnings = fields.List(
        fields.Dict(),
        metadata={"description": "e.g. photo_taken_before_dispatch: a photo taken before dispatch"},
    )
    evidence_required = fields.List(fields.String())
    return_reason = fields.String(allow_none=True)
    dispatched_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)


class AssignmentsQuery(PagedQuery):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ASSIGNMENT_STATUSES))
    matter_code = fields.String(load_default=None, allow_none=True)
    task_id = Id(load_default=None, allow_none=True)
    village_id = Id(load_default=None, allow_none=True)
    due_before = fields.Date(load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=None, allow_none=True)


class AssignmentPage(Schema):
    items = fields.List(fields.Nested(Assignment), required=True)
    meta = fields.Nested(PageMeta, required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "by status"})


class ProgressQuery(Query):
    task_id = Id(load_default=None, allow_none=True)


class Overlap(Schema):
    task_id = Id()
    title = fields.String()
    places = fields.List(fields.String(), metadata={"description": "where the two overlap (names)"})


class UndispatchedVillage(Schema):
    village_id = Id()
    village_name = fields.String()
    township_id = Id(allow_none=True)


class VillageProgress(Schema):
    village_id = Id()
    village_name = fields.String()
    township_id = Id(allow_none=True)
    dispatched = fields.Boolean(metadata={"description": "false: a target village not dispatched yet"})
    total = fields.Integer()
    accepted = fields.Integer()
    overdue = fields.Integer()
    completion_rate = Rate("完成率")
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())


# -- ledger ----------------------------------------------------------------------------


class LedgerQuery(PagedQuery):
    village_id = Id(load_default=None, allow_none=True)
    task_id = Id(load_default=None, allow_none=True)
    month = fields.String(load_default=None, allow_none=True, validate=MONTH)


class LedgerExportQuery(Query):
    village_id = Id(required=True)
    month = fields.String(required=True, validate=MONTH)


class LedgerEntry(Schema):
    id = Id()
    at = fields.DateTime()
    month = fields.String()
    actor_id = Id(allow_none=True)
    actor_name = fields.String()
    action = fields.String()
    action_label = fields.String()
    task_id = Id(allow_none=True)
    assignment_id = Id(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    org_path = fields.String()
    village_id = Id(allow_none=True)
    detail = fields.Dict()


class LedgerPage(Schema):
    items = fields.List(fields.Nested(LedgerEntry), required=True)
    meta = fields.Nested(PageMeta, required=True)


# -- statistics ------------------------------------------------------------------------


class StatsQuery(Query):
    start = fields.String(data_key="from", load_default=None, allow_none=True, validate=MONTH)
    end = fields.String(data_key="to", load_default=None, allow_none=True, validate=MONTH)


class RejectionsQuery(Query):
    since = fields.Date(load_default=None, allow_none=True)


class TaskStats(Schema):
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    submitted = fields.Integer(metadata={"description": "tasks that arrived, screened or not"})
    received = fields.Integer(metadata={"description": "passed screening and not withdrawn"})
    rejected = fields.Integer()
    rejected_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    negative_list = fields.Integer(metadata={"description": "tasks held for hitting the negative list"})
    negative_list_by_rule = fields.Dict(keys=fields.String(), values=fields.Integer())
    needs_code = fields.Integer()
    returned = fields.Integer()
    withdrawn = fields.Integer(metadata={"description": "taken back by their sender before review (撤回)"})
    dispatched = fields.Integer(metadata={"description": "tasks dispatched"})
    assignments = fields.Integer(metadata={"description": "tasks reaching villages (assignments)"})
    completed = fields.Integer()
    completion_rate = Rate("完成率")
    on_time_rate = Rate("按时完成率")
    avg_days_to_close = fields.Float(allow_none=True)
    previous = fields.Dict(metadata={"description": "the same figures for the period before"})
    assignments_change_pct = fields.Float(allow_none=True)


class RejectionRow(Schema):
    reason = fields.String()
    reason_label = fields.String()
    sender_id = Id()
    sender_name = fields.String()
    sender_department_id = Id(allow_none=True)
    month = fields.String()
    count = fields.Integer()


class RejectionStats(Schema):
    since = fields.Date(allow_none=True)
    total = fields.Integer()
    by_reason = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "negative_list included"}
    )
    by_rule = fields.Dict(
        keys=fields.String(), metadata={"description": "negative-list rule id -> {rule_name, count}"}
    )
    rows = fields.List(fields.Nested(RejectionRow))


class VillageMonthRow(Schema):
    village_id = Id()
    village_name = fields.String()
    township_id = Id(allow_none=True)
    count = fields.Integer()
    previous = fields.Integer()
    change_pct = fields.Float(allow_none=True)
    by_month = fields.Dict(keys=fields.String(), values=fields.Integer())


class VillageStats(Schema):
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    previous_from = fields.String()
    previous_to = fields.String()
    total = fields.Integer()
    previous_total = fields.Integer()
    change_pct = fields.Float(allow_none=True)
    villages = fields.List(fields.Nested(VillageMonthRow))
