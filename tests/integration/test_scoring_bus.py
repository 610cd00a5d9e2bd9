"""The scoring container on a vhost and PostgreSQL, fed real CloudEvent sequences over the
`grassroots.events` exchange, read over RPC: exact scores, explanations, rankings, colours,
praise and alerts, idempotency, and recompute equal to the incremental result."""

import time
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Exchange, Queue
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from common.errors import DomainError
from common.events import EXCHANGE, event_type, to_cloudevent
from common.outbox import ConfirmingPublisher
from common.storage import make_engine
from services.scoring.models import OutboxMessage, ProcessedEvent, Score, Total
from services.scoring.service import ScoringService

MONTH = "2026-11"
ADMIN = {"id": 1, "name": "管理员", "roles": ["county_admin"], "scope": ["/1/"]}
LEADER = {"id": 2, "name": "镇领导", "roles": ["township_leader"], "scope": ["/1/2/"]}
SECRETARY = {"id": 3, "name": "书记", "roles": ["village_secretary"], "scope": ["/1/2/3/"]}
OTHER_TOWNSHIP = {"id": 4, "name": "别镇领导", "roles": ["township_leader"], "scope": ["/1/9/"]}

# county 1 › township 2 › villages 3 (grid 4) and 7 (grid 8)
P4 = {"township_id": 2, "village_id": 3, "grid_id": 4}
P8 = {"township_id": 2, "village_id": 7, "grid_id": 8}
PATH = {4: "/1/2/3/4/", 8: "/1/2/7/8/"}


def cloudevent(service, name, data, orgpath, event_id=None, time_="2026-11-10T02:00:00Z"):
    return (
        event_type(service, name),
        to_cloudevent(
            id=event_id or str(uuid.uuid4()),
            type=event_type(service, name),
            source=f"/grassroots/{service}",
            time=datetime.fromisoformat(time_.replace("Z", "+00:00")).astimezone(UTC),
            subject="test",
            data=data,
            org_path=orgpath,
        ),
    )


def visit_list(member, place, households):
    grid = place["grid_id"]
    return cloudevent(
        "tasks",
        "visit_list.issued",
        {**place, "member_id": member, "month": MONTH, "households": households},
        PATH[grid],
    )


def visit(member, place, on_time=True, needs=0):
    data = {
        **place,
        "visit_id": 1,
        "member_id": member,
        "household_id": 1,
        "month": MONTH,
        "visited_at": "2026-11-09",
        "on_time": on_time,
        "needs_raised": needs,
    }
    return cloudevent("tasks", "visit.recorded", data, PATH[place["grid_id"]])


def rating(member, place, stars):
    data = {**place, "visit_id": 1, "member_id": member, "household_id": 1, "month": MONTH, "rating": stars}
    return cloudevent("tasks", "visit.rated", data, PATH[place["grid_id"]])


def matter(name, place, level, **extra):
    data = {
        **place,
        "matter_id": 1,
        "title": "路灯不亮",
        "source": "grid",
        "level": level,
        "status": "open",
        **extra,
    }
    return cloudevent("tasks", name, data, PATH[place["grid_id"]])


def assignment(name, village, on_time=None):
    data = {
        "township_id": 2,
        "village_id": village,
        "grid_id": None,
        "assignment_id": village,
        "task_id": 1,
        "matter_code": "A01",
        "status": "accepted",
        "deadline": "2026-11-20",
        "on_time": on_time,
    }
    return cloudevent("tasks", name, data, f"/1/2/{village}/")


def link(kind, link_id, source, target, orgpath):
    data = {"id": link_id, "kind": kind, "source_id": source, "target_id": target, "active": True}
    return cloudevent("grids", "link.created", data, orgpath)


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


UNITS = [  # the org tree grids would answer with: grid 5 has no events, so no data
    {"id": 2, "level": "township", "name": "青溪镇", "path": "/1/2/"},
    {"id": 3, "level": "village", "name": "东村", "path": "/1/2/3/"},
    {"id": 4, "level": "grid", "name": "东村第一网格", "path": "/1/2/3/4/"},
    {"id": 5, "level": "grid", "name": "东村第二网格", "path": "/1/2/3/5/"},
    {"id": 7, "level": "village", "name": "西村", "path": "/1/2/7/"},
    {"id": 8, "level": "grid", "name": "西村第一网格", "path": "/1/2/7/8/"},
]


class GridsStandIn:
    """grids' `subtree` look-up, as the grids service answers it, for the grid colours."""

    name = "grids"

    @rpc
    def subtree(self, org_unit_id):
        root = next(u["path"] for u in UNITS if u["id"] == org_unit_id)
        return [u for u in UNITS if u["path"].startswith(root)]


@pytest.fixture
def scoring(container_factory, service_config, pg_databases):
    url = pg_databases("scoring")
    config = service_config(url)
    container_factory(GridsStandIn, config).start()
    container = container_factory(ScoringService, config)
    container.start()
    session = sessionmaker(make_engine(url))()
    publisher = ConfirmingPublisher(config["AMQP_URI"])

    def processed():
        session.rollback()
        return session.scalar(select(func.count()).select_from(ProcessedEvent))

    def publish(events):
        before = processed()
        assert all(publisher.publish_batch(events))
        wait_for(lambda: processed() >= before + len({e[1]["id"] for e in events}))

    yield {"config": config, "session": session, "publish": publish, "publisher": publisher}
    publisher.close()
    session.close()


def snapshot(session):
    session.rollback()
    totals = sorted(
        (t.period, t.entity_kind, t.entity_id, t.measure, t.total_milli, t.count)
        for t in session.scalars(select(Total))
    )
    scores = sorted(
        (s.period, s.index, s.entity_kind, s.entity_id, s.value, s.colour, s.org_path, repr(s.parts))
        for s in session.scalars(select(Score))
    )
    return totals, scores


def test_events_over_the_bus_give_exact_explained_ranked_scores(scoring, vhost):
    publish, session = scoring["publish"], scoring["session"]
    first_visit = visit(100, P4, needs=1)
    publish(
        [
            link("team_village", 1, 50, 3, "/1/2/3/"),
            link("team_village", 2, 50, 7, "/1/2/7/"),
            link("cadre_grid", 3, 60, 4, "/1/2/3/4/"),
            link("cadre_grid", 4, 61, 8, "/1/2/7/8/"),
            visit_list(100, P4, 4),
            first_visit,
            visit(100, P4),
            visit(100, P4),
            visit(100, P4, on_time=False),
            rating(100, P4, 5),
            rating(100, P4, 5),
            rating(100, P4, 5),
            visit_list(101, P4, 2),
            visit(101, P4),
            visit_list(200, P8, 5),
            *[visit(200, P8) for _ in range(5)],
            rating(200, P8, 3),
            rating(200, P8, 4),
            visit_list(201, P8, 2),
            visit(201, P8),
            visit(201, P8),
            matter("matter.reported", P4, "grid"),
            matter("matter.reported", P4, "grid"),
            matter("matter.resolved", P4, "grid", days_to_close=1.0),
            matter("matter.rated", P4, "grid", rating=5),
            matter("matter.reported", P8, "grid"),
            matter("matter.escalated", P8, "village"),
            matter("matter.resolved", P8, "village", days_to_close=7.0),
            cloudevent(
                "tasks",
                "task.dispatched",
                {
                    "township_id": 2,
                    "village_id": None,
                    "grid_id": None,
                    "task_id": 1,
                    "matter_code": "A01",
                    "title": "人口普查",
                    "actor_id": 2,
                    "village_ids": [3, 7],
                    "assignment_ids": [3, 7],
                    "deadline": "2026-11-20",
                    "major": False,
                },
                "/1/2/",
            ),
            assignment("assignment.accepted", 3, on_time=True),
            assignment("assignment.overdue", 7),
        ]
    )
    # member 201 was at 76.92; one bad rating takes them under the alert line (60)
    publish([rating(201, P8, 1)])
    # the same visit delivered again (same event id) counts once
    scoring["publisher"].publish_batch([first_visit])
    with Connection(vhost) as conn:
        queue = Queue(
            "evt-grassroots.tasks.visit.recorded.v1--scoring.on_visit_recorded",
            Exchange(EXCHANGE, type="topic", durable=True),
            durable=True,
        )
        wait_for(lambda: queue(conn.default_channel).queue_declare(passive=True).message_count == 0)
    time.sleep(1.0)

    with ClusterRpcProxy(scoring["config"], timeout=10) as rpc:
        m100 = rpc.scoring.score(ADMIN, "pioneer", "member", 100, {"period": MONTH, "per_page": 5})
        # 100 × (0.35·4/4 + 0.15·3/4 + 0.35·(5−1)/4 + 0.15·1/3)
        assert m100["value"] == 86.25 and m100["index_label"] == "先锋指数"
        parts = {p["name"]: p for p in m100["parts"]}
        assert parts["visit_rate"]["raw"] == 1.0 and parts["on_time_visit_rate"]["raw"] == 0.75
        assert parts["needs_raised"]["normalised"] == pytest.approx(1 / 3, abs=1e-4)
        assert (
            parts["household_satisfaction"]["contribution"] == 35.0 and parts["visit_rate"]["weight"] == 0.35
        )
        # list + 4 visits + 3 on time + 1 need + 3 ratings: the duplicate is not among them
        assert m100["events_meta"]["total"] == 12 and len(m100["events"]) == 5
        assert first_visit[1]["id"] in {
            e["event_id"]
            for page in (1, 2, 3)
            for e in rpc.scoring.score(
                ADMIN, "pioneer", "member", 100, {"period": MONTH, "page": page, "per_page": 5}
            )["events"]
        }
        assert rpc.scoring.score(ADMIN, "pioneer", "member", 101, {"period": MONTH})["value"] == 50.0
        assert rpc.scoring.score(ADMIN, "pioneer", "member", 200, {"period": MONTH})["value"] == 71.875
        assert rpc.scoring.score(ADMIN, "pioneer", "member", 201, {"period": MONTH})["value"] == 50.0

        g4 = rpc.scoring.score(ADMIN, "fortress", "grid", 4, {"period": MONTH})
        assert g4["value"] == 76.4706 and g4["colour"] == "yellow"  # 0.65 / 0.85
        assert rpc.scoring.score(ADMIN, "fortress", "grid", 8, {"period": MONTH})["value"] == 50.0
        colours = rpc.scoring.grid_colours(LEADER, {"period": MONTH})
        assert colours["counts"] == {"green": 0, "yellow": 1, "red": 1, "grey": 1}
        assert [(i["grid_id"], i["name"], i["colour_label"], i["value"]) for i in colours["items"]] == [
            (4, "东村第一网格", "黄", 76.4706),
            (5, "东村第二网格", "灰（无数据）", None),  # no data is grey, never red
            (8, "西村第一网格", "红", 50.0),
        ]
        mine = rpc.scoring.grid_colours(SECRETARY, {"period": MONTH})
        assert [(i["grid_id"], i["colour"], i["no_data"]) for i in mine["items"]] == [
            (4, "yellow", False),
            (5, "grey", True),
        ]

        v3 = rpc.scoring.score(ADMIN, "three_links", "village", 3, {"period": MONTH})
        # pioneer mean (86.25, 50) = 68.125; fortress 76.4706; service 100 (tasks done, on time, none overdue)
        assert v3["value"] == pytest.approx(0.3 * 68.125 + 0.4 * 76.4706 + 0.3 * 100, abs=1e-3)
        assert [p["label"] for p in v3["parts"]] == ["先锋指数", "堡垒指数", "服务指数"]
        v7 = rpc.scoring.score(ADMIN, "three_links", "village", 7, {"period": MONTH})
        assert v7["value"] == pytest.approx(0.3 * 60.9375 + 0.4 * 50 + 0.3 * 32, abs=1e-3)
        assert v3["rank_in_township"] == 1 and v7["rank_in_township"] == 2
        goose = rpc.scoring.score(ADMIN, "lead_goose", "village", 3, {"period": MONTH})
        assert len(goose["parts"]) == 6 and goose["parts"][0]["label"] == "领导力"

        team = rpc.scoring.score(ADMIN, "service", "team", 50, {"period": MONTH})
        assert team["value"] == pytest.approx(100 * 0.51 / 0.7, abs=1e-4)  # 72.8571
        assert {e["entity_id"] for e in team["events"]} == {3, 7}

        board = rpc.scoring.board(LEADER, "village_board", {"period": MONTH})
        assert board["board_label"] == "兴村治社榜"
        assert [(i["entity_id"], i["rank"], i["movement"]) for i in board["items"]] == [
            (3, 1, None),
            (7, 2, None),
        ]
        # two villages ranked: one on each list, never both (N is at most half of those ranked)
        assert [i["entity_id"] for i in board["honour"]] == [3]
        assert [i["entity_id"] for i in board["warning"]] == [7]
        mine = rpc.scoring.board(SECRETARY, "village_board", {"period": MONTH})
        assert [i["entity_id"] for i in mine["items"]] == [3]
        assert rpc.scoring.board(OTHER_TOWNSHIP, "village_board", {"period": MONTH})["items"] == []
        members = rpc.scoring.board(LEADER, "pioneer", {"period": MONTH})
        assert [(i["entity_id"], i["rank"]) for i in members["items"]] == [
            (100, 1),
            (200, 2),
            (101, 3),
            (201, 3),
        ]
        cadres = rpc.scoring.board(LEADER, "cadre_board", {"period": MONTH})
        assert cadres["board_label"] == "先锋干部榜"
        assert [(i["entity_id"], i["value"]) for i in cadres["items"]] == [(60, 76.4706), (61, 50.0)]
        township = rpc.scoring.board(ADMIN, "three_links", {"period": MONTH, "kind": "township"})
        assert township["items"][0]["entity_id"] == 2
        assert township["items"][0]["value"] == pytest.approx((v3["value"] + v7["value"]) / 2, abs=1e-4)
        quarter = rpc.scoring.board(LEADER, "pioneer", {"period": "2026-Q4"})
        assert [(i["entity_id"], i["value"]) for i in quarter["items"]][:2] == [(100, 86.25), (200, 71.875)]

        with pytest.raises(DomainError) as caught:
            rpc.scoring.score(OTHER_TOWNSHIP, "pioneer", "member", 100, {"period": MONTH})
        assert caught.value.code == "not_found"
        with pytest.raises(DomainError) as caught:
            rpc.scoring.board(LEADER, "village_board", {"period": "2026-13"})
        assert caught.value.code == "validation_failed" and "period" in caught.value.fields
        with pytest.raises(DomainError) as caught:
            rpc.scoring.recompute(LEADER, {"period": MONTH})
        assert caught.value.code == "forbidden"

        # praise, alerts and colour changes went out through the outbox
        session.rollback()
        emitted = session.scalars(select(OutboxMessage)).all()
        praise = [m.data for m in emitted if m.type.endswith("praise.awarded.v1")]
        assert {(p["reason"], p["entity_id"]) for p in praise} >= {("top_ratings", 100), ("board_top", 3)}
        assert ("top_ratings", 200) not in {(p["reason"], p["entity_id"]) for p in praise}
        drops = [m.data for m in emitted if m.type.endswith("score.dropped.v1")]
        assert any(
            d["entity_id"] == 201 and d["reason"] == "below_threshold" and d["value"] == 50.0 for d in drops
        )
        final_colours = {}
        for m in sorted(emitted, key=lambda m: m.seq):
            if m.type.endswith("grid_colour.changed.v1"):
                final_colours[m.data["grid_id"]] = m.data["colour"]
        assert final_colours == {4: "yellow", 8: "red"}
        wait_for(
            lambda: all(
                session.get(OutboxMessage, m.seq, populate_existing=True).published_at for m in emitted
            )
        )

        # recompute from the facts gives exactly the incremental result, and finds nothing to correct
        before = snapshot(session)
        result = rpc.scoring.recompute(ADMIN, {"period": MONTH, "sync_links": False})
        assert result["facts"] > 0 and result["scores"] == len(before[1])
        assert (result["totals_corrected"], result["scores_corrected"]) == (0, 0)
        assert snapshot(session) == before

        # damage the stored month: a wrong total, a total no fact backs, a lost and a wrong score
        session.execute(
            text(
                "UPDATE indicator_totals SET total_milli = total_milli + 1000 "
                "WHERE period = :p AND entity_kind = 'member' AND entity_id = 100 AND measure = 'visits'"
            ),
            {"p": MONTH},
        )
        session.add(
            Total(period=MONTH, entity_kind="grid", entity_id=4, measure="stray", total_milli=5, count=1)
        )
        session.execute(
            text("DELETE FROM scores WHERE period = :p AND index = 'pioneer' AND entity_id = 200"),
            {"p": MONTH},
        )
        session.execute(
            text("UPDATE scores SET value = 1.0 WHERE period = :p AND index = 'fortress' AND entity_id = 8"),
            {"p": MONTH},
        )
        session.commit()
        assert snapshot(session) != before
        result = rpc.scoring.recompute(ADMIN, {"period": MONTH, "sync_links": False})
        assert (result["totals_corrected"], result["scores_corrected"]) == (2, 2)
        assert snapshot(session) == before
        announced = [
            m.data
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq))
            if m.type.endswith("scores.recomputed.v1")
        ]
        assert announced[-1]["totals_corrected"] == 2 and announced[-1]["scores_corrected"] == 2


def test_team_cadres_on_the_cadre_board_and_lead_goose_by_secretary(scoring):
    """Team cadres (from grids' team_members, kept in scoring's own table) stand on the
    先锋干部榜 by their team's 服务指数; the 领雁指数 is read per village secretary."""
    from services.scoring import replicas
    from services.scoring.models import TeamMember, VillageSecretary

    publish, session = scoring["publish"], scoring["session"]
    publish(
        [
            link("team_village", 1, 50, 3, "/1/2/3/"),
            link("cadre_grid", 3, 60, 4, "/1/2/3/4/"),
            visit_list(100, P4, 2),
            visit(100, P4),
            matter("matter.reported", P4, "grid"),
            matter("matter.resolved", P4, "grid", days_to_close=1.0),
            cloudevent(
                "tasks",
                "task.dispatched",
                {"township_id": 2, "village_id": None, "grid_id": None, "task_id": 1, "village_ids": [3]},
                "/1/2/",
            ),
            assignment("assignment.accepted", 3, on_time=True),
        ]
    )
    session.rollback()
    replicas.replace_people(session, TeamMember, "team_id", {"50": [70, 71]})
    replicas.replace_people(session, VillageSecretary, "village_id", {"3": [80]})
    session.commit()
    with ClusterRpcProxy(scoring["config"], timeout=10) as rpc:
        team = rpc.scoring.score(ADMIN, "service", "team", 50, {"period": MONTH})["value"]
        grid = rpc.scoring.score(ADMIN, "fortress", "grid", 4, {"period": MONTH})["value"]
        cadres = rpc.scoring.board(LEADER, "cadre_board", {"period": MONTH})
        assert sorted((i["entity_id"], i["value"]) for i in cadres["items"]) == [
            (60, grid),
            (70, team),
            (71, team),
        ]
        detail = rpc.scoring.score(ADMIN, "fortress", "cadre", 70, {"period": MONTH})
        assert [(p["name"], p["entity_id"]) for p in detail["parts"]] == [("team", 50)]
        assert {e["entity_kind"] for e in detail["events"]} == {"village"}

        village = rpc.scoring.score(ADMIN, "lead_goose", "village", 3, {"period": MONTH})
        board = rpc.scoring.board(LEADER, "lead_goose", {"period": MONTH})
        assert board["entity_kind"] == "secretary"
        assert [(i["entity_id"], i["value"]) for i in board["items"]] == [(80, village["value"])]
        mine = rpc.scoring.score(SECRETARY, "lead_goose", "secretary", 80, {"period": MONTH})
        assert mine["value"] == village["value"] and mine["parts"] == village["parts"]
        assert len(mine["parts"]) == 6
        assert rpc.scoring.board(OTHER_TOWNSHIP, "lead_goose", {"period": MONTH})["items"] == []
