"""兴村治社榜 (the village board) within a township: praise for the new top village, an
alert for a village that dropped sharply against the month before."""

from __future__ import annotations

from sqlalchemy import select, tuple_

from services.scoring import domain
from services.scoring.announcements import announce_once
from services.scoring.compute import Computed
from services.scoring.models import Recognition, Score


def township_board(session, months: list[str], township_path: str) -> dict[str, dict]:
    """{month: {village: (value, org_path, rank)}} of the villages of a township."""
    rows = session.execute(
        select(Score.period, Score.entity_id, Score.value, Score.org_path).where(
            Score.period.in_(months),
            Score.index == "three_links",
            Score.entity_kind == "village",
            Score.org_path.startswith(township_path, autoescape=True),
        )
    ).all()
    out = {}
    for month in months:
        mine = {e: (v, p) for m, e, v, p in rows if m == month}
        out[month] = {e: (*mine[e], r) for e, _, r in domain.ranked([(e, v) for e, (v, _) in mine.items()])}
    return out


def village_board_moves(uow, config, month: str, township_path: str) -> None:
    """兴村治社榜 within a township: praise the new top, alert on sharp drops."""
    session = uow.session
    previous_month = domain.previous_period(month)
    board = township_board(session, [month, previous_month], township_path)
    now, before = board[month], board[previous_month]
    drop = config.raw["alerts"]["rank_drop"]
    claimed: dict[tuple[str, str], set] = {("praise", "board_top"): set(), ("alert", "rank_drop"): set()}
    if now:
        for kind, reason, entity_id in session.execute(
            select(Recognition.kind, Recognition.reason, Recognition.entity_id).where(
                Recognition.period == month,
                Recognition.index == "three_links",
                Recognition.entity_kind == "village",
                tuple_(Recognition.kind, Recognition.reason).in_(list(claimed)),
                Recognition.entity_id.in_(sorted(now)),
            )
        ):
            claimed[(kind, reason)].add(entity_id)
    for vid, (value, org_path, rank) in sorted(now.items()):
        c = Computed("three_links", "village", vid, value, None, org_path, vid)
        if rank == 1 and len(now) > 1:
            fields = {
                "board": "village_board",
                "board_label": "兴村治社榜",
                "rank": 1,
                "message": "本村登上本乡镇兴村治社榜榜首,予以表扬",
            }
            announce_once(
                uow, config, month, c, "praise", "board_top", fields, claimed[("praise", "board_top")]
            )
        previous = before.get(vid, (None, None, None))[2]
        if previous is not None and rank - previous >= drop:
            fields = {
                "previous_value": None,
                "threshold": float(drop),
                "rank": rank,
                "previous_rank": previous,
                "message": f"本村兴村治社榜排名由上期第 {previous} 名降至第 {rank} 名",
            }
            announce_once(
                uow, config, month, c, "alert", "rank_drop", fields, claimed[("alert", "rank_drop")]
            )
