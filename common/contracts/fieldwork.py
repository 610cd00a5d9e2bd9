"""Contracts of fieldwork (tasks service): visit lists and visits, ratings, the escalation
ladder for matters, the villager mailbox, attachments, alerts and statistics."""

from __future__ import annotations

from marshmallow import ValidationError, validates

from common.contracts import fields, validate
from common.contracts.base import Filled, Form, PagedQuery, PageMeta, Query, Rate, Schema, Strict
from common.contracts.ids import Id

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM")
PHONE = validate.Regexp(r"^1\d{10}$", error="手机号应为11位数字")


# made by the phone for an item it queues while offline: sent again, it is recorded once
def client_key() -> fields.String:
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{8,64}$", error="发送编号应为 8 到 64 位字母、数字、“-”或“_”"
        ),
        metadata={
            "description": "idempotency key made by the client; the same key again returns the first result"
        },
    )


LEVELS = ["grid", "village", "department"]
STATUSES = ["open", "taken", "resolved", "rated"]
SOURCES = ["visit", "mailbox", "grid", "open311"]


class MonthQuery(Query):
    month = fields.String(load_default=None, allow_none=True, validate=MONTH)


# -- visit lists ----------------------------------------------------------------------


class GenerateLists(Strict):
    month = fields.String(required=True, validate=MONTH)


class GenerateReport(Schema):
    month = fields.String(required=True)
    members = fields.Integer(required=True, metadata={"description": "members whose list was issued now"})
    items = fields.Integer(required=True, metadata={"description": "households added to lists now"})
    total_items = fields.Integer(required=True)
    seconds = fields.Float()


class SyncReport(Schema):
    links = fields.Integer(required=True)
    active = fields.Integer(required=True)
    ended = fields.Integer(required=True)


class ListItem(Schema):
    household_id = Id(required=True)
    grid_id = Id(allow_none=True)
    visited = fields.Boolean(required=True, metadata={"description": "走访过的农户有红色小角标注"})
    visit_id = Id(allow_none=True)
    visited_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)


class MyList(Schema):
    month = fields.String(required=True)
    member_id = Id(required=True)
    households = fields.Integer(required=True)
    visited = fields.Integer(required=True)
    visit_rate = Rate("走访率")
    items = fields.List(fields.Nested(ListItem), required=True)


class ListsQuery(PagedQuery):
    month = fields.String(load_default=None, allow_none=True, validate=MONTH)
    grid_id = Id(load_default=None, allow_none=True)
    member_id = Id(load_default=None, allow_none=True)


class ListSummary(Schema):
    member_id = Id(required=True)
    grid_id = Id(allow_none=True)
    village_id = Id(allow_none=True)
    households = fields.Integer(required=True)
    visited = fields.Integer(required=True)
    visit_rate = Rate("走访率")


class ListPage(Schema):
    month = fields.String(required=True)
    items = fields.List(fields.Nested(ListSummary), required=True)
    meta = fields.Nested(PageMeta, required=True)


# -- visits ---------------------------------------------------------------------------


class Location(Strict):
    """Where the phone was when the visit was recorded (the browser's geolocation)."""

    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class Need(Strict):
    title = fields.String(required=True, validate=Filled(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class VisitCreate(Strict):
    household_id = Id(required=True)
    visited_at = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "default: now; never in the future"}
    )
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    attachment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=9))
    needs = fields.List(fields.Nested(Need), load_default=list, validate=validate.Length(max=10))
    location = fields.Nested(Location, load_default=None, allow_none=True)
    client_key = client_key()


class Visit(Schema):
    id = Id(required=True)
    month = fields.String(required=True)
    member_id = Id(required=True)
    household_id = Id(required=True)
    grid_id = Id(allow_none=True)
    visited_at = fields.DateTime(required=True)
    notes = fields.String()
    attachment_ids = fields.List(Id())
    on_time = fields.Boolean()
    needs_raised = fields.Integer()
    matter_ids = fields.List(Id())
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    location = fields.Nested(Location, allow_none=True)
    replayed = fields.Boolean(metadata={"description": "the client key was seen before: this is that visit"})
    rating_code_sent = fields.Boolean(
        metadata={"description": "a one-time rating code went to the household"}
    )


class VisitsQuery(PagedQuery):
    month = fields.String(load_default=None, allow_none=True, validate=MONTH)
    member_id = Id(load_default=None, allow_none=True)
    household_id = Id(load_default=None, allow_none=True)
    grid_id = Id(load_default=None, allow_none=True)


class VisitPage(Schema):
    items = fields.List(fields.Nested(Visit), required=True)
    meta = fields.Nested(PageMeta, required=True)


class RatingSubmit(Strict):
    code = fields.String(required=True, validate=validate.Length(min=4, max=20))
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=1000))


class RatingCodeSent(Schema):
    visit_id = Id(required=True)
    rating_code_sent = fields.Boolean(required=True, metadata={"description": "短信是否已交给短信网关"})
    expires_in_days = fields.Integer(required=True)


class RatingResult(Schema):
    visit_id = Id(required=True)
    rating = fields.Integer(required=True)
    message = fields.String(required=True)


# -- matters --------------------------------------------------------------------------


class MatterCreate(Strict):
    """A grid worker or member logs a matter found in the grid (source grid)."""

    grid_id = Id(required=True)
    title = fields.String(required=True, validate=Filled(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    attachment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=9))


class MatterStep(Strict):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class MatterDispatch(Strict):
    department_id = Id(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class MatterRate(Strict):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=1000))


class LedgerLine(Schema):
    at = fields.DateTime(required=True)
    action = fields.String(required=True)
    action_label = fields.String()
    actor_id = Id(allow_none=True)
    from_level = fields.String(allow_none=True)
    to_level = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String()


class Matter(Schema):
    id = Id(required=True)
    title = fields.String(required=True)
    description = fields.String()
    source = fields.String(validate=validate.OneOf(SOURCES))
    kind = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    level_label = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_label = fields.String()
    grid_id = Id(allow_none=True)
    village_id = Id(allow_none=True)
    township_id = Id(allow_none=True)
    visit_id = Id(allow_none=True)
    household_id = Id(allow_none=True)
    member_id = Id(allow_none=True)
    reporter_id = Id(allow_none=True)
    handler_id = Id(allow_none=True)
    department_id = Id(allow_none=True)
    attachment_ids = fields.List(Id())
    deadline = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    rating = fields.Integer(allow_none=True)
    ledger = fields.List(fields.Nested(LedgerLine))


class Requester(Schema):
    """How the department or the handler reaches whoever raised a matter (phone in full)."""

    matter_id = Id(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["person", "household", "newcomer", "unknown"]),
        metadata={
            "description": "person: raised by someone with an account (a resident, a worker); household: "
            "found on a visit; newcomer: no account, only the phone they left; unknown: nothing left"
        },
    )
    reporter_id = Id(allow_none=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "in full: reading it is audited"})
    household_id = Id(allow_none=True)
    household_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True, metadata={"description": "乡镇 / 村 / 网格"})


class MattersQuery(PagedQuery):
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEVELS))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    source = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SOURCES))
    grid_id = Id(load_default=None, allow_none=True)
    mine = fields.Boolean(load_default=False, metadata={"description": "only what waits for me to act"})


class MatterPage(Schema):
    items = fields.List(fields.Nested(Matter), required=True)
    meta = fields.Nested(PageMeta, required=True)


class DeadlineCheck(Strict):
    now = fields.AwareDateTime(load_default=None, allow_none=True, metadata={"description": "default: now"})


class DeadlineReport(Schema):
    escalated = fields.List(fields.Integer(), required=True)
    alerts = fields.List(fields.Integer(), required=True)


# -- mailbox and attachments ----------------------------------------------------------


class MailboxCreate(Strict):
    """A resident writes, speaks or photographs a request (写一写、喊一喊、拍一拍)."""

    kind = fields.String(required=True, validate=validate.OneOf(["text", "voice", "photo"]))
    text = fields.String(load_default="", validate=validate.Length(max=4000))
    attachment_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=9))
    grid_id = Id(load_default=None, allow_none=True, metadata={"description": "newcomers choose their grid"})
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    client_key = client_key()


class PublicMailboxCreate(Strict):
    """A newcomer without an account or household yet: phone and grid chosen, text only."""

    grid_id = Id(required=True)
    phone = fields.String(required=True, validate=PHONE)
    text = fields.String(required=True, validate=Filled(max=4000))


class PublicMailboxMedia(Form):
    """A newcomer's photo or voice clip (multipart form fields beside the file)."""

    grid_id = Id(required=True)
    phone = fields.String(required=True, validate=PHONE)
    text = fields.String(load_default="", validate=validate.Length(max=4000))


class MailboxReceipt(Schema):
    matter_id = Id(required=True)
    grid_id = Id(required=True)
    handler_id = Id(allow_none=True)
    message = fields.String(required=True)
    replayed = fields.Boolean(metadata={"description": "the client key was seen before: this is that letter"})


class Attachment(Schema):
    id = Id(required=True)
    sha256 = fields.String(required=True)
    content_type = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "photo | voice | document"})
    size = fields.Integer(required=True)
    filename = fields.String()
    taken_at = fields.AwareDateTime(allow_none=True, metadata={"description": "照片拍摄时间(EXIF)"})
    taken_lat = fields.Float(allow_none=True, metadata={"description": "照片拍摄地纬度(EXIF)"})
    taken_lng = fields.Float(allow_none=True, metadata={"description": "照片拍摄地经度(EXIF)"})


# -- alerts, settings, statistics -----------------------------------------------------


class AlertCheck(Strict):
    month = fields.String(required=True, validate=MONTH)
    phase = fields.String(required=True, validate=validate.OneOf(["mid", "end"]))


class Alert(Schema):
    id = Id(required=True)
    kind = fields.String(required=True)
    subject_kind = fields.String(required=True)
    subject_id = Id(required=True)
    month = fields.String(allow_none=True)
    period = fields.String()
    value = fields.Float(allow_none=True)
    threshold = fields.Float(allow_none=True)
    person_ids = fields.List(Id())
    message = fields.String(required=True)
    created_at = fields.DateTime()


class AlertsQuery(PagedQuery):
    month = fields.String(load_default=None, allow_none=True, validate=MONTH)
    kind = fields.String(load_default=None, allow_none=True)


class AlertPage(Schema):
    items = fields.List(fields.Nested(Alert), required=True)
    meta = fields.Nested(PageMeta, required=True)


class AlertReport(Schema):
    month = fields.String(required=True)
    phase = fields.String(required=True)
    raised = fields.Integer(required=True)
    alert_ids = fields.List(Id(), required=True)


class Settings(Strict):
    grid_days = fields.Float(validate=validate.Range(min=0.01, max=60))
    village_days = fields.Float(validate=validate.Range(min=0.01, max=60))
    department_days = fields.Float(validate=validate.Range(min=0.01, max=90))
    visit_rate_mid = fields.Float(validate=validate.Range(min=0, max=1))
    visit_rate_end = fields.Float(validate=validate.Range(min=0, max=1))
    completion_rate_mid = fields.Float(validate=validate.Range(min=0, max=1))
    completion_rate_end = fields.Float(validate=validate.Range(min=0, max=1))


class SettingsView(Settings):
    county_id = Id()


class StatsQuery(Query):
    month = fields.String(required=True, validate=MONTH)
    org_unit_id = Id(load_default=None, allow_none=True)
    by = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(["township", "village", "grid"]),
        metadata={"description": "break down by this level below the unit"},
    )

    @validates("org_unit_id")
    def _positive(self, value, **_):
        if value is not None and value <= 0:
            raise ValidationError("组织编号无效")


class Figures(Schema):
    org_unit_id = Id(allow_none=True)
    list_items = fields.Integer()
    visited = fields.Integer()
    visit_rate = Rate("走访率")
    ratings = fields.Integer()
    satisfaction = fields.Float(allow_none=True, metadata={"description": "average visit rating, 1–5"})
    satisfied_share = fields.Float(allow_none=True, metadata={"description": "share of ratings 4 or 5"})
    matters_reported = fields.Integer(metadata={"description": "小微事项上报数"})
    matters_resolved = fields.Integer()
    completion_rate = Rate("完成率(办结率)")
    hard_matters = fields.Integer(metadata={"description": "escalated to village or department"})
    hard_matters_resolved = fields.Integer()
    hard_matter_completion_rate = Rate("难事办结率")
    avg_days_to_close = fields.Float(allow_none=True, metadata={"description": "平均办结天数"})
    department_dispatches = fields.Integer()
    department_dispatches_resolved = fields.Integer(metadata={"description": "点兵点将解决数"})
    matter_satisfaction = fields.Float(allow_none=True)


class Stats(Schema):
    month = fields.String(required=True)
    level = fields.String(required=True)
    org_unit_id = Id(allow_none=True)
    totals = fields.Nested(Figures, required=True)
    breakdown = fields.List(fields.Nested(Figures), required=True)
