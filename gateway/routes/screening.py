"""Routes of content screening: the negative list (基层减负负面清单), which only the county
admin lists and edits; screening applies the current version of each rule to every task."""

from __future__ import annotations

from common import roles as groups
from common.contracts import screening as s
from common.remote import call
from gateway.http import route

RULES = "/api/v1/screening/negative-rules"


class ScreeningRoutes:
    @route(
        "GET",
        RULES,
        summary="负面清单规则 / the negative list",
        tag="screening",
        query=s.NegativeRuleQuery,
        response=s.NegativeRuleList,
        roles=groups.COUNTY_ADMIN,
    )
    def negative_rule_list(self, request, actor, query):
        return call(self.tasks, "tasks", "negative_rule_list", actor, query)

    @route(
        "POST",
        RULES,
        summary="新增负面清单规则 / add a rule",
        tag="screening",
        body=s.NegativeRuleCreate,
        response=s.NegativeRule,
        status=201,
        roles=groups.COUNTY_ADMIN,
        description="关键词在任务标题或内容中出现、或正则表达式匹配,即为命中;命中的任务交审核把关并计入驳回统计。",
    )
    def negative_rule_create(self, request, actor, body):
        return call(self.tasks, "tasks", "negative_rule_create", actor, body)

    @route(
        "GET",
        RULES + "/<string:rule_id>",
        summary="负面清单规则及其版本 / a rule and its versions",
        tag="screening",
        response=s.NegativeRuleDetail,
        roles=groups.COUNTY_ADMIN,
    )
    def negative_rule_get(self, request, actor, rule_id):
        return call(self.tasks, "tasks", "negative_rule_get", actor, rule_id)

    @route(
        "PUT",
        RULES + "/<string:rule_id>",
        summary="修改负面清单规则(新版本)/ change a rule (a new version)",
        tag="screening",
        body=s.NegativeRuleFields,
        response=s.NegativeRule,
        roles=groups.COUNTY_ADMIN,
    )
    def negative_rule_update(self, request, actor, body, rule_id):
        return call(self.tasks, "tasks", "negative_rule_update", actor, rule_id, body)

    @route(
        "DELETE",
        RULES + "/<string:rule_id>",
        summary="停用负面清单规则 / retire a rule",
        tag="screening",
        response=s.NegativeRule,
        roles=groups.COUNTY_ADMIN,
    )
    def negative_rule_retire(self, request, actor, rule_id):
        return call(self.tasks, "tasks", "negative_rule_retire", actor, rule_id)
