"""Dispatch in steps (issue 17 part 2), through the gateway: a township sends a task to some
of its target villages now and the rest later; the progress view shows who is still waiting;
the task is done only when every target village's work is closed."""

from datetime import date, timedelta

from tests.e2e.test_taskflow import _api, _ok


def test_a_township_dispatches_in_steps_and_the_task_closes_last(platform_pg):
    admin, dept, leader, secretary = (
        _api(platform_pg, u) for u in ("admin", "dept", "township", "secretary")
    )
    _ok(admin.post("/catalogue/seed-default"))
    township = _ok(leader.get("/org/tree"))[0]
    villages = township["children"]
    mine = next(v for v in villages if v["id"] == secretary.me()["org_unit_id"])
    first = [mine]
    rest = [v for v in villages if v["id"] != mine["id"]]
    assert rest, "the demo township has more than one village"

    task = _ok(
        dept.post(
            "/tasks",
            {
                "title": "森林防火宣传与巡查",
                "matter_code": "FX006",
                "target_ids": [township["id"]],
                "deadline": (date.today() + timedelta(days=7)).isoformat(),
            },
        ),
        201,
    )
    _ok(leader.post(f"/tasks/{task['id']}/approve"))

    # step one: one village now
    step1 = _ok(leader.post(f"/tasks/{task['id']}/dispatch", {"village_ids": [mine["id"]]}))
    assert step1["status"] == "dispatched" and step1["assignments"] == {"dispatched": 1}
    assert {v["village_id"] for v in step1["undispatched"]} == {v["id"] for v in rest}
    assert all(v["village_name"] for v in step1["undispatched"])
    progress = _ok(leader.get("/assignments/progress", params={"task_id": task["id"]}))
    waiting = [p for p in progress if not p["dispatched"]]
    assert {p["village_id"] for p in waiting} == {v["id"] for v in rest}
    assert all(p["by_status"] == {"not_dispatched": 1} and p["total"] == 0 for p in waiting)
    assert {p["village_id"] for p in progress if p["dispatched"]} == {v["id"] for v in first}

    # the same village twice is refused, by name
    r = leader.post(f"/tasks/{task['id']}/dispatch", {"village_ids": [mine["id"]]})
    assert r.status_code == 409 and mine["name"] in r.json()["title"]

    # the village finishes: with the rest still waiting, the task is not done
    [a] = _ok(leader.get("/assignments", params={"task_id": task["id"]}))["items"]
    _ok(secretary.post(f"/assignments/{a['id']}/claim"))
    evidence = {
        "text": "已开展森林防火宣传并巡山",
        "photos": [secretary.upload()],
        "location": {"lat": 29.0, "lng": 118.9, "address": "后山"},
    }
    _ok(secretary.post(f"/assignments/{a['id']}/submit", {"evidence": evidence}))
    assert _ok(dept.post(f"/assignments/{a['id']}/accept"))["status"] == "accepted"
    after_one = _ok(dept.get(f"/tasks/{task['id']}"))
    assert after_one["status"] == "dispatched" and after_one["closed_at"] is None

    # step two: the rest, by default
    step2 = _ok(leader.post(f"/tasks/{task['id']}/dispatch"))
    assert step2["undispatched"] == [] and sum(step2["assignments"].values()) == len(villages)
    progress = _ok(leader.get("/assignments/progress", params={"task_id": task["id"]}))
    assert len(progress) == len(villages) and all(p["dispatched"] for p in progress)
    r = leader.post(f"/tasks/{task['id']}/dispatch")
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert _ok(dept.get(f"/tasks/{task['id']}"))["status"] == "dispatched"
