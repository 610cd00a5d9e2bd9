"""Scoring through the gateway on the running platform (PostgreSQL): events on the bus,
boards and scores read over HTTP by two roles with different scopes."""

import time
import uuid
from datetime import UTC, datetime

import requests

from common.events import event_type, to_cloudevent
from common.outbox import ConfirmingPublisher

MONTH = "2026-11"


def _event(name, data, orgpath):
    return (
        event_type("tasks", name),
        to_cloudevent(
            id=str(uuid.uuid4()),
            type=event_type("tasks", name),
            source="/grassroots/tasks",
            time=datetime(2026, 11, 10, 2, tzinfo=UTC),
            subject="e2e",
            data=data,
            org_path=orgpath,
        ),
    )


def _first_grid(tree_node):
    village = tree_node["children"][0]
    return village, village["children"][0]


def _visits(member_id, grid, village, township_id, visits, households=4):
    place = {"township_id": township_id, "village_id": village["id"], "grid_id": grid["id"]}
    events = [
        _event(
            "visit_list.issued",
            {**place, "member_id": member_id, "month": MONTH, "households": households},
            grid["path"],
        )
    ]
    for i in range(visits):
        events.append(
            _event(
                "visit.recorded",
                {
                    **place,
                    "visit_id": i,
                    "member_id": member_id,
                    "household_id": i,
                    "month": MONTH,
                    "visited_at": "2026-11-09",
                    "on_time": True,
                    "needs_raised": 1,
                },
                grid["path"],
            )
        )
    return events


def test_boards_and_scores_through_the_gateway_keep_to_scope(platform_pg):
    base = platform_pg.base_url
    township, township2, admin = (platform_pg.login(u) for u in ("township", "township2", "admin"))
    secretary = platform_pg.login("secretary")
    tree = requests.get(base + "/api/v1/org/tree", params={"depth": 4}, headers=admin, timeout=10).json()
    townships = tree[0]["children"]
    (v1, g1), (v2, g2) = _first_grid(townships[0]), _first_grid(townships[1])
    v1b = townships[0]["children"][1]
    g1b = v1b["children"][0]

    events = (
        _visits(90001, g1, v1, townships[0]["id"], visits=4)  # visit rate 1.0
        + _visits(90002, g1b, v1b, townships[0]["id"], visits=2)  # visit rate 0.5
        + _visits(90003, g2, v2, townships[1]["id"], visits=3)
    )
    g1_place = {"township_id": townships[0]["id"], "village_id": v1["id"], "grid_id": g1["id"]}
    matter = {**g1_place, "matter_id": 1, "title": "路灯不亮", "source": "grid", "level": "grid"}
    events += [  # one matter reported and quickly resolved in g1: its 堡垒指数 has data
        _event("matter.reported", {**matter, "status": "open"}, g1["path"]),
        _event("matter.resolved", {**matter, "status": "resolved", "days_to_close": 1.0}, g1["path"]),
    ]
    assert all(ConfirmingPublisher(platform_pg.env["AMQP_URI"]).publish_batch(events))

    def board(headers, name="village_board", **params):
        return requests.get(
            f"{base}/api/v1/boards/{name}", params={"period": MONTH, **params}, headers=headers, timeout=10
        )

    def facts_of(member_id):
        r = requests.get(
            f"{base}/api/v1/scores/pioneer/member/{member_id}",
            params={"period": MONTH},
            headers=admin,
            timeout=10,
        )
        return r.json()["events_meta"]["total"] if r.status_code == 200 else 0

    # each member: the list, and per visit one fact each for visits, on time and needs raised
    expected = {90001: 13, 90002: 7, 90003: 10}
    deadline = time.monotonic() + 30
    while {m: facts_of(m) for m in expected} != expected and time.monotonic() < deadline:
        time.sleep(0.3)
    while time.monotonic() < deadline:  # and the matter's facts on g1's 堡垒指数
        r = requests.get(
            f"{base}/api/v1/scores/fortress/grid/{g1['id']}",
            params={"period": MONTH},
            headers=admin,
            timeout=10,
        )
        if r.status_code == 200 and r.json()["value"] is not None:
            break
        time.sleep(0.3)

    everything = board(admin).json()
    assert everything["board_label"] == "兴村治社榜"
    assert {i["entity_id"] for i in everything["items"]} == {v1["id"], v1b["id"], v2["id"]}
    mine = board(township).json()
    assert [i["entity_id"] for i in mine["items"]] == [v1["id"], v1b["id"]]  # v1 visited all its households
    assert [i["entity_id"] for i in board(township2).json()["items"]] == [v2["id"]]
    assert [i["entity_id"] for i in board(secretary).json()["items"]] == [v1["id"]]

    # 红黑榜 of two ranked villages: one on each, never the same village on both
    assert [i["entity_id"] for i in mine["honour"]] == [v1["id"]]
    assert [i["entity_id"] for i in mine["warning"]] == [v1b["id"]]

    # every grid of the township gets a colour; those without data are grey, not red
    colours = requests.get(
        f"{base}/api/v1/grid-colours", params={"period": MONTH}, headers=township, timeout=10
    ).json()
    township_grids = [g for v in townships[0]["children"] for g in v.get("children", [])]
    assert {i["grid_id"] for i in colours["items"]} == {g["id"] for g in township_grids}
    by_grid = {i["grid_id"]: i for i in colours["items"]}
    assert by_grid[g1["id"]]["name"] == g1["name"] and by_grid[g1["id"]]["colour"] != "grey"
    quiet = [i for i in colours["items"] if i["grid_id"] != g1["id"]]
    assert quiet and all(i["colour"] == "grey" and i["no_data"] and i["value"] is None for i in quiet)
    assert colours["counts"]["grey"] == len(quiet) and sum(colours["counts"].values()) == len(township_grids)

    members = board(township, "pioneer").json()["items"]
    assert [(i["entity_id"], i["value"]) for i in members] == [
        (90001, 100.0),
        (90002, 65.3846),
    ]  # (0.35·0.5 + 0.15·1 + 0.15·2/3) / 0.65

    # township2 may not open township one's unit or scores
    r = board(township2, org_unit_id=townships[0]["id"])
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = requests.get(
        f"{base}/api/v1/scores/pioneer/member/90001", params={"period": MONTH}, headers=township2, timeout=10
    )
    assert r.status_code == 404
    r = requests.get(
        f"{base}/api/v1/scores/pioneer/member/90001",
        params={"period": MONTH},
        headers={**township, "Accept-Language": "en"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["value"] == 100.0 and detail["events_meta"]["total"] == 1 + 4 + 4 + 4
    assert {p["label"] for p in detail["parts"]} >= {"走访率", "群众满意度"}
    # no ratings yet: the explanation says which indicators had no data
    assert "群众满意度" in detail["no_data_indicators"]
    assert next(p for p in detail["parts"] if p["label"] == "群众满意度")["no_data"] is True

    # recompute needs the county admin; it refreshes the link replica from grids
    r = requests.post(f"{base}/api/v1/scores/recompute", json={"period": MONTH}, headers=township, timeout=30)
    assert r.status_code == 403
    r = requests.post(f"{base}/api/v1/scores/recompute", json={"period": MONTH}, headers=admin, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["links"]["team_village"] > 0 and r.json()["links"]["cadre_grid"] > 0
    assert board(township).json()["items"] == mine["items"]
    teams = board(township, "service", kind="team").json()
    assert teams["meta"]["total"] == 0  # no task events yet: no team has a service score
    r = board(township, period="2026-13")
    assert r.status_code == 422 and "period" in r.json()["errors"]
