"""Contracts of the figures the two source articles quote (`GET /api/v1/stats/figures`)."""

from __future__ import annotations

from common.contracts import fields, validate
from common.contracts.base import Query, Rate, Schema

FIGURES_MONTH = validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="月份格式应为 YYYY-MM(2000 年以后)")


class FiguresQuery(Query):
    org_unit_id = fields.Integer(load_default=None, allow_none=True)
    start = fields.String(data_key="from", load_default=None, allow_none=True, validate=FIGURES_MONTH)
    end = fields.String(data_key="to", load_default=None, allow_none=True, validate=FIGURES_MONTH)


class _Change(Schema):
    now = fields.Integer()
    before = fields.Integer()
    change = fields.Float(allow_none=True, metadata={"description": "相对变化(小数,-0.3 即下降 30%)"})


class _Hard(Schema):
    hard = fields.Integer(metadata={"description": "难事(上报到村及以上的事项)"})
    hard_resolved = fields.Integer()
    completion_rate = Rate("难事办结率")
    avg_days_to_close = fields.Float(allow_none=True, metadata={"description": "难事平均办结天数"})


class _Small(Schema):
    reported = fields.Integer(metadata={"description": "网格上报的事项"})
    escalated = fields.Integer(metadata={"description": "其中上报到村及以上的"})
    escalation_rate = Rate("小微事项上报率")


class _HardPair(Schema):
    now = fields.Nested(_Hard)
    before = fields.Nested(_Hard)


class _SmallPair(Schema):
    now = fields.Nested(_Small)
    before = fields.Nested(_Small)
    change = fields.Float(allow_none=True, metadata={"description": "上报率的相对变化(小数)"})


class Figures(Schema):
    org_path = fields.String()
    place_name = fields.String()
    start = fields.String()
    end = fields.String()
    before_start = fields.String(metadata={"description": "上期(等长的前一段)起始月份"})
    before_end = fields.String()
    screening_rejections = fields.Integer(metadata={"description": "自起始月份以来过筛驳回的任务"})
    tasks_to_villages = fields.Nested(_Change, metadata={"description": "下村进社任务(派到村的任务单)"})
    hard_matters = fields.Nested(_HardPair)
    small_matters = fields.Nested(_SmallPair)
    department_dispatch_resolved = fields.Integer(metadata={"description": "点兵点将解决的事项"})
    procedures_completed = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "按程序模板(WYLGK 五议两公开…)"},
    )
