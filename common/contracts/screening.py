"""Contracts of content screening (基层减负防火墙): the negative list's rules, what the
suggester answers, and what screening found in a task's text."""

from __future__ import annotations

import regex
from marshmallow import ValidationError, validates_schema

from common.contracts import fields, validate
from common.contracts.base import Filled, Query, Schema, Strict

RULE_ID = validate.Regexp(
    r"^[0-9A-Za-z_-]{1,32}$", error="规则编号只能包含字母、数字、下划线和连字符,最长32位"
)


def _compiles(pattern: str) -> None:
    try:
        regex.compile(
            pattern
        )  # the module screening searches with (services/tasks/taskflow/negative_list.py)
    except regex.error as exc:
        raise ValidationError(f"正则表达式无效:{exc}") from exc


class NegativeRuleFields(Strict):
    name = fields.String(required=True, validate=Filled(max=100))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    keywords = fields.List(
        fields.String(validate=Filled(max=50)),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "a hit when any of them occurs in the title or text"},
    )
    patterns = fields.List(
        fields.String(validate=[Filled(max=300), _compiles]),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Python regular expressions; a hit when any matches"},
    )

    @validates_schema
    def _has_a_test(self, data, **kwargs):
        if not data.get("keywords") and not data.get("patterns"):
            raise ValidationError("关键词和正则表达式至少填写一项", "keywords")


class NegativeRuleCreate(NegativeRuleFields):
    rule_id = fields.String(required=True, validate=RULE_ID)


class NegativeRuleFile(Schema):
    """config/negative_list.yaml"""

    rules = fields.List(fields.Nested(NegativeRuleCreate), required=True, validate=validate.Length(min=1))


class NegativeRule(Schema):
    rule_id = fields.String()
    version = fields.Integer()
    current = fields.Boolean()
    name = fields.String()
    reason = fields.String()
    keywords = fields.List(fields.String())
    patterns = fields.List(fields.String())
    created_at = fields.DateTime()
    created_by = fields.Integer(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    retired = fields.Boolean()


class NegativeRuleDetail(NegativeRule):
    versions = fields.List(fields.Nested(NegativeRule))


class NegativeRuleQuery(Query):
    include_retired = fields.Boolean(load_default=False)


class NegativeRuleList(Schema):
    items = fields.List(fields.Nested(NegativeRule), required=True)


class ScreeningReason(Schema):
    kind = fields.String(metadata={"description": "negative_list | code_mismatch"})
    rule_id = fields.String(allow_none=True)
    rule_name = fields.String(allow_none=True)
    rule_version = fields.Integer(allow_none=True)
    matched = fields.String(allow_none=True, metadata={"description": "the words that hit the rule"})
    score = fields.Float(allow_none=True, metadata={"description": "similarity of text and matter"})
    message = fields.String()


class SuggestionItem(Schema):
    code = fields.String()
    name = fields.String()
    score = fields.Float(metadata={"description": "confidence in [0, 1)"})


class SuggestAnswer(Schema):
    items = fields.List(fields.Nested(SuggestionItem), required=True)
    no_match = fields.Boolean(metadata={"description": "nothing reached the confidence threshold"})
    message = fields.String(allow_none=True, metadata={"description": "未找到匹配事项 when no_match"})
    threshold = fields.Float()
