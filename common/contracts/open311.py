"""Contracts of the Open311 GeoReport v2 face and of hotspot early warning (tasks service).

Open311 payloads are what GeoReport clients send: form fields, with attributes as
`attribute[code]`; the gateway passes them as a dict with an `attributes` dict.
"""

from __future__ import annotations

import re
from datetime import date

from marshmallow import EXCLUDE, ValidationError

from common.contracts import fields, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Query, Schema, Strict
from common.contracts.ids import Id

PHONE = validate.Regexp(r"^1\d{10}$", error="手机号应为11位数字")
_WEEK_FORMAT = re.compile(r"^(\d{4})-W(\d{2})$")


def WEEK(value: str) -> None:  # noqa: N802 - used like the other validators
    """An ISO week that exists (W53 only in long years), in a year people could mean."""
    match = _WEEK_FORMAT.match(value or "")
    try:
        if match is None:
            raise ValueError
        year, week = int(match.group(1)), int(match.group(2))
        date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValidationError("周的格式应为 YYYY-Www,如 2026-W14") from exc
    if not 2000 <= year <= 2200:
        raise ValidationError("年份应在 2000 到 2200 之间")


class _Lenient(Schema):
    """GeoReport clients send fields we do not use (email, account_id ...): ignored."""

    class Meta:
        unknown = EXCLUDE


class ServiceRequestCreate(_Lenient):
    service_code = fields.String(required=True, validate=Filled(max=16))
    jurisdiction_id = fields.String(load_default=None, allow_none=True)
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    long = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))
    address_string = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    address_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    description = fields.String(load_default="", validate=validate.Length(max=4000))
    media_url = fields.Url(
        load_default=None, allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500)
    )
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    first_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    last_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    device_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    attributes = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class ServiceRequestsQuery(Query):
    jurisdiction_id = fields.String(load_default=None, allow_none=True)
    service_request_id = fields.String(load_default=None, allow_none=True)
    service_code = fields.String(load_default=None, allow_none=True)
    start_date = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    end_date = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    status = fields.String(load_default=None, allow_none=True)


class Service(Schema):
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    description = fields.String()
    metadata = fields.Boolean(required=True)
    type = fields.String(required=True, metadata={"description": "realtime"})
    keywords = fields.String(metadata={"description": "comma separated"})
    group = fields.String()


class AttributeValue(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class Attribute(Schema):
    variable = fields.Boolean(required=True)
    code = fields.String(required=True)
    datatype = fields.String(required=True)
    required = fields.Boolean(required=True)
    datatype_description = fields.String()
    order = fields.Integer(required=True)
    description = fields.String(required=True)
    values = fields.List(fields.Nested(AttributeValue))


class ServiceDefinition(Schema):
    service_code = fields.String(required=True)
    attributes = fields.List(fields.Nested(Attribute), required=True)


class ServiceRequestReceipt(Schema):
    service_request_id = fields.String(required=True)
    service_notice = fields.String()
    account_id = fields.String(allow_none=True)


class ServiceRequest(Schema):
    service_request_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "open | closed"})
    status_notes = fields.String(allow_none=True)
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String(allow_none=True)
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String()
    updated_datetime = fields.String(allow_none=True)
    expected_datetime = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)


# -- hotspots ---------------------------------------------------------------------------


class HotspotCheck(Strict):
    week = fields.String(load_default=None, allow_none=True, validate=WEEK)


class HotspotsQuery(PagedQuery):
    week = fields.String(load_default=None, allow_none=True, validate=WEEK)
    place_kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["village", "township"])
    )
    township_id = Id(load_default=None, allow_none=True)
    village_id = Id(load_default=None, allow_none=True)


class Hotspot(Schema):
    id = Id(required=True)
    week = fields.String(required=True)
    place_kind = fields.String(required=True, metadata={"description": "village | township"})
    place_id = Id(required=True)
    place_name = fields.String()
    township_id = Id(allow_none=True)
    village_id = Id(allow_none=True)
    label = fields.String(required=True, metadata={"description": "the group's top character bigrams"})
    count = fields.Integer(required=True, metadata={"description": "requests in the week"})
    baseline_mean = fields.Float(required=True)
    baseline_std = fields.Float(required=True)
    z_score = fields.Float(required=True)
    history = fields.List(fields.Integer(), metadata={"description": "the baseline weeks' counts"})
    matter_ids = fields.List(Id(), required=True)
    samples = fields.List(fields.String(), required=True)
    message = fields.String(required=True)
    created_at = fields.DateTime()


class HotspotPage(Schema):
    items = fields.List(fields.Nested(Hotspot), required=True)
    meta = fields.Nested(PageMeta, required=True)


class HotspotReport(Schema):
    week = fields.String(required=True)
    items = fields.Integer(required=True, metadata={"description": "requests in the window"})
    found = fields.Integer(required=True)
    raised = fields.Integer(required=True, metadata={"description": "new alerts (not raised before)"})
    hotspot_ids = fields.List(Id(), required=True)
