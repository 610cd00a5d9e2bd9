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

    r = requests.delete(f"{base}/subscriptions/{sub['id']}", headers=leader, timeout=10)
    assert r.status_code == 200 and r.json()["active"] is False
