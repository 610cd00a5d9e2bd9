"""notify through the gateway: inbox counts and read-all, subscriptions by authorised
roles within their scope, the delivery log, and replay of the event stream."""

import time

import requests


def wait_for(predicate, seconds=30.0, interval=0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def test_inbox_subscriptions_and_replay_over_http(platform_pg):
    base = platform_pg.base_url + "/api/v1"
    leader = platform_pg.login("township")
    other = platform_pg.login("township2")
    worker = platform_pg.login("gridworker")

    counts = requests.get(base + "/inbox/counts", headers=worker, timeout=10).json()
    r = requests.post(base + "/inbox/read-all", headers=worker, timeout=10)
    assert r.status_code == 200 and r.json()["marked"] == counts["unread"]
    assert requests.get(base + "/inbox/counts", headers=worker, timeout=10).json()["unread"] == 0

    # each leader registers a person in their own township: two events in two scopes
    for headers, code in ((leader, "E2E1"), (other, "E2E2")):
        unit = requests.get(base + "/me", headers=headers, timeout=10).json()["org_unit_id"]
        person = {"code": code, "name": "测试", "roles": ["township_leader"], "org_unit_id": unit}
        assert requests.post(base + "/people", json=person, headers=headers, timeout=10).status_code == 201

    body = {"name": "镇综治中心", "url": "http://127.0.0.1:9/hook", "event_types": ["grassroots.grids.#"]}
    r = requests.post(base + "/subscriptions", json=body, headers=leader, timeout=10)
    assert r.status_code == 201, r.text
    sub = r.json()
    assert len(sub["secret"]) == 64
    r = requests.post(base + "/subscriptions", json=body, headers=worker, timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = requests.post(
        base + "/subscriptions", json={**body, "org_path": sub["org_path"]}, headers=other, timeout=10
    )
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = requests.post(base + "/subscriptions", json={**body, "url": "ftp://x"}, headers=leader, timeout=10)
    assert r.status_code == 422 and "url" in r.json()["errors"]
    # inside addresses are refused (the platform allows 127.0.0.1/32 for these tests only)
    for url, zh in (
        ("http://169.254.169.254/latest/meta-data/", "不允许向该地址发送:链路本地地址(含云元数据地址)"),
        ("http://127.0.0.2:9/hook", "不允许向该地址发送:本机回环地址"),
        ("http://192.168.1.10/hook", "不允许向该地址发送:内网地址(未列入允许名单)"),
    ):
        r = requests.post(base + "/subscriptions", json={**body, "url": url}, headers=leader, timeout=10)
        assert (r.status_code, r.json()["code"], r.json()["title"]) == (422, "outbound_target_refused", zh)
    r = requests.post(
        base + "/subscriptions",
        json={**body, "url": "http://10.0.0.1/"},
        headers={**leader, "Accept-Language": "en"},
        timeout=10,
    )
    assert (
        r.json()["title"]
        == "Outbound calls to this address are refused: a private address not on the allow-list"
    )
    listed = requests.get(base + "/subscriptions", headers=leader, timeout=10).json()
    assert [s["id"] for s in listed["items"]] == [sub["id"]] and "secret" not in listed["items"][0]
    assert requests.get(base + "/subscriptions", headers=other, timeout=10).json()["items"] == []
    r = requests.get(f"{base}/subscriptions/{sub['id']}/deliveries", headers=leader, timeout=10)
    assert r.status_code == 200 and r.json()["meta"]["total"] >= 0
    assert (
        requests.get(f"{base}/subscriptions/{sub['id']}/deliveries", headers=other, timeout=10).status_code
        == 404
    )

    # replay: only what happened inside the caller's township
    page = wait_for(
        lambda: requests.get(
            base + "/events",
            params={"type": "grassroots.grids.person.#", "limit": 50},
            headers=leader,
            timeout=10,
        ).json()["items"]
    )
    scope = sub["org_path"]
    assert all(e["orgpath"].startswith(scope) for e in page)
    theirs = requests.get(
        base + "/events", params={"type": "grassroots.grids.person.#", "limit": 50}, headers=other, timeout=10
    ).json()["items"]
    assert theirs and not {e["id"] for e in theirs} & {e["id"] for e in page}
    assert [e["data"]["code"] for e in page] == ["E2E1"] and [e["data"]["code"] for e in theirs] == ["E2E2"]

    # a matching event is delivered (nothing listens on port 9) and logged in generic words
    unit = requests.get(base + "/me", headers=leader, timeout=10).json()["org_unit_id"]
    person = {"code": "E2E3", "name": "测试", "roles": ["township_leader"], "org_unit_id": unit}
    assert requests.post(base + "/people", json=person, headers=leader, timeout=10).status_code == 201
    tried = wait_for(
        lambda: [
            d
            for d in requests.get(
                f"{base}/subscriptions/{sub['id']}/deliveries", headers=leader, timeout=10
            ).json()["items"]
            if d["attempts"]
        ]
    )
    assert {(d["last_status"], d["last_error"]) for d in tried} == {(None, "connection refused")}

    r = requests.delete(f"{base}/subscriptions/{sub['id']}", headers=leader, timeout=10)
    assert r.status_code == 200 and r.json()["active"] is False


def test_a_task_across_townships_is_announced_to_the_county_for_review(platform_pg):
    base = platform_pg.base_url + "/api/v1"
    admin, dept, leader = (platform_pg.login(u) for u in ("admin", "dept", "township"))
    assert requests.post(base + "/catalogue/seed-default", headers=admin, timeout=30).status_code == 200
    townships = [
        requests.get(base + "/me", headers=platform_pg.login(u), timeout=10).json()["org_unit_id"]
        for u in ("township", "township2")
    ]
    task = {"title": "全县反诈宣传", "matter_code": "PA001", "target_ids": townships}
    r = requests.post(base + "/tasks", json=task, headers=dept, timeout=10)
    assert r.status_code == 201 and r.json()["status"] == "pending_review", r.text

    def county_told():
        items = requests.get(base + "/inbox", headers=admin, params={"per_page": 100}, timeout=10).json()
        return [i for i in items["items"] if i["title"] == "待审核任务:全县反诈宣传"]

    (item,) = wait_for(county_told)
    assert item["body"] == "任务“全县反诈宣传”(事项 PA001)涉及多个乡镇,已通过过筛,请审核后派发。"
    # a township leader is not the reviewer of a task that reaches beyond the township
    mine = requests.get(base + "/inbox", headers=leader, params={"per_page": 100}, timeout=10).json()
    assert not [i for i in mine["items"] if "全县反诈宣传" in i["title"]]
