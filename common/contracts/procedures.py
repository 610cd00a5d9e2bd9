"""Contracts of the procedures capability (tasks service): procedure templates, running a
procedure step by step with its evidence, the ledger chain's verification and export,
the project board (揭榜) and its statistics. Their events are in
common/contracts/tasks_events.py (section "procedures")."""

from __future__ import annotations

from marshmallow import ValidationError, validates_schema

from common.contracts import fields, grids, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Query, Schema, Strict
from common.contracts.ids import AttachmentRef, Id

EVIDENCE_KINDS = (
    "held_at",
    "summary",
    "proposals",
    "minutes",
    "attendance",
    "votes",
    "photos",
    "notice",
    "attachments",
)
# who a step can name: every role with an account in the tree, not a resident
ROLES = tuple(r for r in grids.ROLES if r != "resident")
Ref = AttachmentRef()  # evidence names uploads by id (services/tasks/fieldwork/evidence.py)
Name = fields.String(validate=Filled(max=50))

# -- templates ---------------------------------------------------------------------------


class TemplateStep(Strict):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$"))
    name = fields.String(required=True, validate=Filled(max=100))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    evidence = fields.List(fields.String(validate=validate.OneOf(EVIDENCE_KINDS)), load_default=list)
    rules = fields.Dict(
        keys=fields.String(validate=validate.OneOf(("quorum", "majority", "notice_days", "min_proposals"))),
        values=fields.Raw(),
        load_default=dict,
        metadata={
            "description": 'quorum / majority: {"ratio": "1/2", "strict": true, "of": "entitled"|"present"}; '
            "notice_days: 公示期最少天数; min_proposals: 最少建议条数"
        },
    )
    description = fields.String(load_default="", validate=validate.Length(max=500))


class TemplateCreate(Strict):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Z0-9]{1,31}$"))
    name = fields.String(required=True, validate=Filled(max=100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    applies_to_major = fields.Boolean(load_default=False)
    matter_codes = fields.List(fields.String(validate=Filled(max=32)), load_default=list)
    steps = fields.List(fields.Nested(TemplateStep), required=True, validate=Filled(max=20))


class TemplateUpdate(Strict):
    name = fields.String(validate=Filled(max=100))
    description = fields.String(validate=validate.Length(max=2000))
    applies_to_major = fields.Boolean()
    matter_codes = fields.List(fields.String(validate=Filled(max=32)))
    steps = fields.List(fields.Nested(TemplateStep), validate=Filled(max=20))


class Template(Schema):
    id = Id()
    code = fields.String()
    version = fields.Integer()
    current = fields.Boolean()
    name = fields.String()
    description = fields.String()
    applies_to_major = fields.Boolean()
    matter_codes = fields.List(fields.String())
    steps = fields.List(fields.Dict())
    created_at = fields.DateTime()


class TemplateDetail(Template):
    versions = fields.List(fields.Nested(Template))


class TemplateReport(Schema):
    created = fields.Integer()
    unchanged = fields.Integer()


# -- procedures --------------------------------------------------------------------------


class ProcedureStart(Strict):
    template_code = fields.String(required=True, validate=Filled(max=32))
    title = fields.String(validate=Filled(max=200))
    assignment_id = Id(metadata={"description": "a task's assignment (major matter) to run it for"})
    village_id = Id(metadata={"description": "the village, for a village matter with no task"})

    @validates_schema
    def _one_subject(self, data, **kwargs):
        if ("assignment_id" in data) == ("village_id" in data):
            raise ValidationError("须指定 assignment_id 或 village_id 之一", "_schema")
        if "village_id" in data and "title" not in data:
            raise ValidationError("村级事项须填写标题", "title")


class Proposal(Strict):
    source = fields.String(
        required=True, validate=validate.OneOf(("member", "resident", "cadre", "organisation"))
    )
    name = fields.String(load_default="", validate=validate.Length(max=50))
    content = fields.String(required=True, validate=Filled(max=2000))


class Attendance(Strict):
    entitled = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    present = fields.Integer(required=True, validate=validate.Range(min=0, max=100_000))
    names = fields.List(Name, required=True, validate=validate.Length(max=100_000))
    sheets = fields.List(Ref, validate=validate.Length(max=20), metadata={"description": "签到表照片或文件"})


Votes = Strict.from_dict(
    {
        "for": fields.Integer(required=True, validate=validate.Range(min=0, max=100_000)),
        "against": fields.Integer(required=True, validate=validate.Range(min=0, max=100_000)),
        "abstain": fields.Integer(required=True, validate=validate.Range(min=0, max=100_000)),
    },
    name="Votes",
)


class Notice(Strict):
    posted_at = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)
    place = fields.String(required=True, validate=Filled(max=200))
    text = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["until"] <= data["posted_at"]:
            raise ValidationError("公示截止时间须晚于张贴时间", "until")


class Evidence(Strict):
    held_at = fields.AwareDateTime(metadata={"description": "会议时间"})
    summary = fields.String(validate=validate.Length(max=5000))
    proposals = fields.List(fields.Nested(Proposal), validate=validate.Length(max=1000))
    minutes = fields.List(Ref, validate=validate.Length(max=50))
    attendance = fields.Nested(Attendance)
    votes = fields.Nested(Votes)
    photos = fields.List(Ref, validate=validate.Length(max=50))
    notice = fields.Nested(Notice)
    attachments = fields.List(Ref, validate=validate.Length(max=50))


class StepComplete(Strict):
    evidence = fields.Nested(Evidence, required=True)


class Reason(Schema):
    code = fields.String()
    label = fields.String()
    detail = fields.String()


class Step(Schema):
    position = fields.Integer()
    key = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    required_evidence = fields.List(fields.String())
    rules = fields.Dict()
    status = fields.String()
    status_label = fields.String()
    opened_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    evidence = fields.Dict(
        allow_none=True, metadata={"description": "as completed, with `files` (EXIF facts)"}
    )
    evidence_warnings = fields.List(
        fields.Dict(), metadata={"description": "e.g. photo_taken_before_dispatch"}
    )


class Return(Schema):
    position = fields.Integer()
    step_key = fields.String()
    step_name = fields.String()
    reasons = fields.List(fields.Nested(Reason))
    actor_id = Id()
    at = fields.DateTime()


class Procedure(Schema):
    id = Id()
    template_code = fields.String()
    template_version = fields.Integer()
    template_name = fields.String()
    title = fields.String()
    village_id = Id()
    township_id = Id(allow_none=True)
    task_id = Id(allow_none=True)
    assignment_id = Id(allow_none=True)
    matter_code = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    current_step = fields.Integer()
    returns = fields.Integer()
    started_by = Id()
    started_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    days = fields.Float(allow_none=True, metadata={"description": "start to completion, in days"})
    steps = fields.List(fields.Nested(Step))
    return_history = fields.List(fields.Nested(Return))


class ProceduresQuery(PagedQuery):
    status = fields.String(validate=validate.OneOf(("running", "returned", "completed")))
    village_id = Id()
    template_code = fields.String(validate=validate.Length(max=32))
    assignment_id = Id()


class ProcedurePage(Schema):
    items = fields.List(fields.Nested(Procedure))
    meta = fields.Nested(PageMeta)


# -- ledger chain ------------------------------------------------------------------------


class ChainQuery(Query):
    ledger = fields.String(
        validate=validate.OneOf(("tf", "pr")), metadata={"description": "tf 任务台账; pr 议事与揭榜台账"}
    )
    village_id = Id()


class ChainExportQuery(Query):
    ledger = fields.String(required=True, validate=validate.OneOf(("tf", "pr")))
    village_id = Id(required=True)


class ChainBreak(Schema):
    ledger = fields.String()
    chain = fields.String()
    id = Id(allow_none=True, metadata={"description": "the first row that fails"})
    seq = fields.Integer(allow_none=True)
    reason = fields.String()
    reason_label = fields.String()


class ChainReport(Schema):
    ok = fields.Boolean()
    chains = fields.Integer()
    rows = fields.Integer()
    first_broken = fields.Nested(ChainBreak, allow_none=True)
    broken = fields.List(fields.Nested(ChainBreak))


# -- project board -----------------------------------------------------------------------


class ProjectCreate(Strict):
    title = fields.String(required=True, validate=Filled(max=200))
    description = fields.String(required=True, validate=Filled(max=5000))
    budget = fields.Integer(
        required=True, validate=validate.Range(min=0, max=10**10), metadata={"description": "元"}
    )
    criteria = fields.List(
        fields.String(validate=Filled(max=200)),
        required=True,
        validate=Filled(max=20),
    )
    matter_code = fields.String(required=True, validate=Filled(max=32))
    deadline = fields.AwareDateTime(required=True, metadata={"description": "竞榜截止时间"})
    township_id = Id(metadata={"description": "默认为发榜人所在乡镇"})


class BidCreate(Strict):
    case = fields.String(required=True, validate=Filled(max=10_000))
    attachments = fields.List(Ref, load_default=list, validate=validate.Length(max=20))


class AwardDecision(Strict):
    meeting_date = fields.Date(required=True)
    attendees = fields.List(Name, required=True, validate=Filled(max=200))
    minutes = fields.List(Ref, required=True, validate=Filled(max=50))


class AwardRequest(Strict):
    bid_id = Id(required=True)
    reason = fields.String(required=True, validate=Filled(max=2000))
    decision = fields.Nested(
        AwardDecision, metadata={"description": "集体讨论记录:事项为重大事项时必填,随任务一并记录"}
    )


class Bid(Schema):
    id = Id()
    project_id = Id()
    village_id = Id()
    village_name = fields.String()
    case = fields.String()
    attachments = fields.List(fields.Raw())
    files = fields.List(
        fields.Dict(),
        metadata={"description": "each attachment: name, kind, when and where a photo was taken"},
    )
    submitted_by = Id()
    submitted_at = fields.DateTime()
    revised_at = fields.DateTime(allow_none=True)
    status = fields.String()


class Project(Schema):
    id = Id()
    township_id = Id()
    title = fields.String()
    description = fields.String()
    budget = fields.Integer()
    criteria = fields.List(fields.String())
    matter_code = fields.String()
    deadline = fields.DateTime()
    status = fields.String()
    status_label = fields.String()
    bidding_open = fields.Boolean()
    posted_by = Id()
    posted_by_name = fields.String()
    posted_at = fields.DateTime()
    bids_count = fields.Integer()
    awarded_bid_id = Id(allow_none=True)
    awarded_village_id = Id(allow_none=True)
    award_reason = fields.String(allow_none=True)
    awarded_at = fields.DateTime(allow_none=True)
    task_id = Id(allow_none=True)


class ProjectDetail(Project):
    bids = fields.List(
        fields.Nested(Bid),
        metadata={"description": "side by side; a village sees only its own bid until the deadline"},
    )


class ProjectsQuery(PagedQuery):
    status = fields.String(validate=validate.OneOf(("open", "awarded")))


class ProjectPage(Schema):
    items = fields.List(fields.Nested(Project))
    meta = fields.Nested(PageMeta)


# -- statistics --------------------------------------------------------------------------


class StatsQuery(Query):
    since = fields.Date()
    until = fields.Date()


class CountRow(Schema):
    key = fields.String()
    label = fields.String()
    count = fields.Integer()


class TemplateStats(Schema):
    template_code = fields.String()
    started = fields.Integer()
    completed = fields.Integer()
    avg_days = fields.Float(allow_none=True)


class ProcedureStats(Schema):
    procedures_started = fields.Integer()
    procedures_completed = fields.Integer()
    procedures_open = fields.Integer()
    avg_days_to_complete = fields.Float(allow_none=True)
    by_template = fields.List(fields.Nested(TemplateStats))
    steps_returned = fields.Integer()
    returns_by_step = fields.List(fields.Nested(CountRow))
    returns_by_reason = fields.List(fields.Nested(CountRow))
    projects_posted = fields.Integer()
    projects_awarded = fields.Integer()
    bids = fields.Integer()
    villages_bidding = fields.Integer()
