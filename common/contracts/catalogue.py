"""Contracts of the matter catalogue (taskflow): the matters that may be sent down to
villages, with their levels, evidence and default deadlines."""

from __future__ import annotations

from common.contracts import fields, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Schema, Strict
from common.contracts.ids import Id

LEVELS = ["township", "village", "grid"]
EVIDENCE_KINDS = ["text", "photo", "location", "attachment"]
MATTER_CODE = validate.Regexp(
    r"^[0-9A-Za-z_-]{1,32}$", error="事项编码只能包含字母、数字、下划线和连字符,最长32位"
)


class CatalogueMatterFields(Strict):
    name = fields.String(required=True, validate=Filled(max=100))
    category = fields.String(load_default="", validate=validate.Length(max=50))
    levels = fields.List(
        fields.String(validate=validate.OneOf(LEVELS)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "levels it may be sent to: township | village | grid"},
    )
    department = fields.String(load_default="", validate=validate.Length(max=100))
    default_days = fields.Integer(load_default=7, validate=validate.Range(min=1, max=365))
    major = fields.Boolean(load_default=False, metadata={"description": "needs a collective decision"})
    evidence = fields.List(
        fields.String(validate=validate.OneOf(EVIDENCE_KINDS)),
        load_default=list,
        metadata={"description": "what completion needs: text | photo | location | attachment"},
    )
    keywords = fields.String(load_default="", validate=validate.Length(max=300))
    aliases = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "what senders call it, space-separated (kept when left out)"},
    )
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class CatalogueMatterCreate(CatalogueMatterFields):
    code = fields.String(required=True, validate=MATTER_CODE)


class CatalogueMatterUpdate(CatalogueMatterFields):
    """A new version of the matter; the old one stays for the tasks that carry it."""


class CatalogueMatter(Schema):
    id = Id()
    code = fields.String()
    version = fields.Integer()
    current = fields.Boolean()
    name = fields.String()
    category = fields.String()
    levels = fields.List(fields.String())
    level_labels = fields.List(fields.String())
    department = fields.String()
    default_days = fields.Integer()
    major = fields.Boolean()
    evidence = fields.List(fields.String())
    evidence_labels = fields.List(fields.String())
    keywords = fields.String()
    aliases = fields.String()
    description = fields.String()
    created_at = fields.DateTime()
    retired_at = fields.DateTime(allow_none=True)
    retired = fields.Boolean()


class CatalogueMatterDetail(CatalogueMatter):
    versions = fields.List(fields.Nested(CatalogueMatter))


class CatalogueQuery(PagedQuery):
    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEVELS))
    category = fields.String(load_default=None, allow_none=True)
    include_retired = fields.Boolean(load_default=False)
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class CatalogueMatterPage(Schema):
    items = fields.List(fields.Nested(CatalogueMatter), required=True)
    meta = fields.Nested(PageMeta, required=True)


class CatalogueReport(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    retired = fields.Integer()
    unchanged = fields.Integer()
    negative_rules = fields.Dict(metadata={"description": "the default negative list: created, unchanged"})


class SuggestRequest(Strict):
    text = fields.String(required=True, validate=Filled(max=5000))


class Suggestion(Schema):
    code = fields.String()
    name = fields.String()
    score = fields.Float()
