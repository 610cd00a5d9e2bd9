"""Routes of the scoring area: scores with their explanation, boards, grid colours, recompute.

Scope is enforced by the scoring service from the actor: a township leader sees the scores
within their township, a village secretary their village, a county admin the county."""

from __future__ import annotations

from common import roles as groups
from common.contracts import scoring as s
from common.remote import call
from gateway.http import route


class ScoringRoutes:
    @route(
        "GET",
        "/api/v1/scores/<index>/<entity_kind>/<int:entity_id>",
        summary="查看评分及其构成和依据事件 / a score, explained",
        tag="scoring",
        query=s.ScoreQuery,
        response=s.ScoreDetail,
        description="index: pioneer 先锋指数 | fortress 堡垒指数 | service 服务指数 | three_links 三联指数 | "
        "lead_goose 领雁指数; entity_kind: member | grid | village | team | township | county | cadre "
        "(village and team cadres) | secretary (village secretary, 领雁指数; also by village)",
    )
    def score(self, request, actor, query, index, entity_kind, entity_id):
        return call(self.scoring, "scoring", "score", actor, index, entity_kind, entity_id, query)

    @route(
        "GET",
        "/api/v1/boards/<board>",
        summary="榜单(兴村治社榜、先锋干部榜及各指数排名)/ a leaderboard",
        tag="scoring",
        query=s.BoardQuery,
        response=s.Board,
        description="board: village_board 兴村治社榜 | cadre_board 先锋干部榜 (village cadres by their grids' 堡垒指数, "
        "team cadres by their team's 服务指数) | pioneer | fortress | service | three_links | lead_goose "
        "(by village secretary; kind=village for villages); with movement against the previous period and "
        "the 红黑榜",
    )
    def board(self, request, actor, query, board):
        return call(self.scoring, "scoring", "board", actor, board, query)

    @route(
        "GET",
        "/api/v1/grid-colours",
        summary="红黄绿网格 / grid colours",
        tag="scoring",
        query=s.ColoursQuery,
        response=s.GridColours,
    )
    def grid_colours(self, request, actor, query):
        return call(self.scoring, "scoring", "grid_colours", actor, query)

    @route(
        "POST",
        "/api/v1/scores/recompute",
        summary="按指标事实重算某月评分 / rebuild a month from its facts",
        tag="scoring",
        body=s.RecomputeRequest,
        response=s.RecomputeResult,
        roles=groups.COUNTY_ADMIN,
    )
    def recompute(self, request, actor, body):
        return call(self.scoring, "scoring", "recompute", actor, body, timeout=120)
