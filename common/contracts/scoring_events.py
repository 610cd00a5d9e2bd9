"""Events of the scoring service: praise (表扬), alerts about falling scores (预警) and
grid colour changes (红黄绿网格). notify and outside systems consume them."""

from __future__ import annotations

from common.contracts import fields
from common.contracts.events import EventData, Place, register
from common.contracts.ids import Id


class ScoredSubject(Place):
    index = fields.String(
        required=True, metadata={"description": "pioneer | fortress | service | three_links | lead_goose"}
    )
    index_label = fields.String(required=True, metadata={"description": "先锋指数 ..."})
    entity_kind = fields.String(required=True, metadata={"description": "member | grid | village | ..."})
    entity_id = Id(required=True)
    period = fields.String(required=True, metadata={"description": "YYYY-MM"})
    value = fields.Float(allow_none=True, metadata={"description": "the index, 0..100"})
    member_id = Id(allow_none=True, metadata={"description": "set when a member is concerned"})


class PraiseAwarded(ScoredSubject):
    reason = fields.String(required=True, metadata={"description": "board_top | top_ratings"})
    board = fields.String(allow_none=True, metadata={"description": "village_board when reason is board_top"})
    board_label = fields.String(allow_none=True, metadata={"description": "兴村治社榜"})
    rank = fields.Integer(allow_none=True)
    message = fields.String(required=True, metadata={"description": "Chinese text for people"})


class ScoreDropped(ScoredSubject):
    reason = fields.String(required=True, metadata={"description": "below_threshold | rank_drop"})
    previous_value = fields.Float(allow_none=True)
    threshold = fields.Float(allow_none=True)
    rank = fields.Integer(allow_none=True)
    previous_rank = fields.Integer(allow_none=True)
    message = fields.String(required=True, metadata={"description": "Chinese text for people"})


class GridColourChanged(Place):
    period = fields.String(required=True)
    colour = fields.String(required=True, metadata={"description": "green | yellow | red"})
    colour_label = fields.String(required=True, metadata={"description": "绿 | 黄 | 红"})
    previous_colour = fields.String(allow_none=True)
    value = fields.Float(required=True, metadata={"description": "the grid's 堡垒指数"})


class ScoresRecomputed(EventData):
    period = fields.String(required=True)
    facts = fields.Integer(required=True)
    scores = fields.Integer(required=True)
    # rows the rebuild found different from what the events had made (0 when all was right)
    totals_corrected = fields.Integer()
    scores_corrected = fields.Integer()


register("scoring", "praise.awarded", PraiseAwarded, "Top of a board or top ratings: a praise (实时表扬)")
register(
    "scoring", "score.dropped", ScoreDropped, "An index fell below its threshold or dropped sharply in rank"
)
register("scoring", "grid_colour.changed", GridColourChanged, "A grid's colour (红黄绿网格) changed")
register("scoring", "scores.recomputed", ScoresRecomputed, "A period was rebuilt from its indicator facts")
