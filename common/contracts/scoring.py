"""Payloads of the scoring service (RPC and gateway): scores, boards, grid colours, recompute."""

from __future__ import annotations

from common.contracts import fields, validate
from common.contracts.base import PagedQuery, Query, Schema, Strict
from common.contracts.ids import Id

PERIOD = validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$", error="期间应为 YYYY-MM、YYYY-Qn 或 YYYY")
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份应为 YYYY-MM")
KINDS = ["member", "grid", "village", "team", "township", "county", "cadre", "secretary"]
BOARDS = ["village_board", "cadre_board", "pioneer", "fortress", "service", "three_links", "lead_goose"]


class ScoreQuery(PagedQuery):
    period = fields.String(required=True, validate=PERIOD)


class BoardQuery(PagedQuery):
    period = fields.String(required=True, validate=PERIOD)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(KINDS))
    org_unit_id = Id(load_default=None, allow_none=True)


class ColoursQuery(Query):
    period = fields.String(required=True, validate=PERIOD)
    org_unit_id = Id(load_default=None, allow_none=True)


class RecomputeRequest(Strict):
    period = fields.String(required=True, validate=MONTH)
    sync_links = fields.Boolean(load_default=True)


class Part(Schema):
    name = fields.String()
    label = fields.String()
    group = fields.String()
    group_label = fields.String()
    entity_id = Id()
    raw = fields.Float(allow_none=True)
    normalised = fields.Float(allow_none=True)
    weight = fields.Float()
    effective_weight = fields.Float()
    contribution = fields.Float()
    measures = fields.List(fields.String())
    indicators = fields.List(fields.Dict())
    no_data = fields.Boolean(metadata={"description": "本期无数据，未计入得分"})


class EventRef(Schema):
    event_id = fields.String()
    type = fields.String()
    measure = fields.String()
    value = fields.Float()
    time = fields.DateTime()
    entity_kind = fields.String()
    entity_id = Id()


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ScoreDetail(Schema):
    index = fields.String()
    index_label = fields.String()
    entity_kind = fields.String()
    entity_id = Id()
    period = fields.String()
    value = fields.Float(allow_none=True)
    colour = fields.String(allow_none=True)
    org_path = fields.String()
    rank_in_township = fields.Integer(allow_none=True)
    parts = fields.List(fields.Nested(Part))
    no_data_indicators = fields.List(
        fields.String(), metadata={"description": "本期无数据、未计入得分的指标（名称）"}
    )
    events = fields.List(fields.Nested(EventRef))
    events_meta = fields.Nested(PageMeta)


class BoardItem(Schema):
    rank = fields.Integer()
    entity_kind = fields.String()
    entity_id = Id()
    value = fields.Float()
    org_path = fields.String()
    colour = fields.String(allow_none=True)
    previous_rank = fields.Integer(allow_none=True)
    movement = fields.Integer(
        allow_none=True, metadata={"description": "places gained since the previous period"}
    )


class NoData(Schema):
    entity_kind = fields.String()
    entity_id = Id()
    org_path = fields.String()


class Board(Schema):
    board = fields.String()
    board_label = fields.String()
    index = fields.String()
    index_label = fields.String()
    entity_kind = fields.String()
    period = fields.String()
    previous_period = fields.String()
    items = fields.List(fields.Nested(BoardItem))
    honour = fields.List(fields.Nested(BoardItem), metadata={"description": "红榜"})
    warning = fields.List(
        fields.Nested(BoardItem),
        metadata={"description": "黑榜：末位 N 名，N 不超过参与排名者的一半，与红榜不重叠"},
    )
    no_data = fields.List(fields.Nested(NoData), metadata={"description": "本期无数据、不参与排名的对象"})
    meta = fields.Nested(PageMeta)


class GridColour(Schema):
    grid_id = Id()
    name = fields.String(allow_none=True, metadata={"description": "网格名称"})
    value = fields.Float(allow_none=True)
    colour = fields.String(metadata={"description": "green / yellow / red，无数据为 grey"})
    colour_label = fields.String()
    no_data = fields.Boolean()
    org_path = fields.String()


class GridColours(Schema):
    period = fields.String()
    thresholds = fields.Dict()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(GridColour))


class RecomputeResult(Schema):
    period = fields.String()
    facts = fields.Integer()
    scores = fields.Integer()
    totals_corrected = fields.Integer()
    scores_corrected = fields.Integer()
    links = fields.Dict(keys=fields.String(), values=fields.Integer())
