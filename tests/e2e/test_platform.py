"""The platform as a user runs it: five `nameko run` processes, driven over HTTP."""

import time

import requests

from tests.e2e.conftest import RPC_TIMEOUT


def test_platform_end_to_end(platform):
    base = platform.base_url
    assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    spec = requests.get(base + "/openapi.json", timeout=5).json()
    assert spec["openapi"].startswith("3.") and "/api/v1/org/tree" in spec["paths"]
    assert "swagger-ui" in requests.get(base + "/docs", timeout=5).text

    # the console is served under /console/ (or says how to build it); nothing outside it leaks
    console = requests.get(base + "/console/", timeout=5)
    assert console.status_code in (200, 404) and "Grassroots governance open platform" not in console.text
    sneaky = requests.get(base + "/console/..%2f..%2fREADME.md", timeout=5)
    assert "Grassroots governance open platform" not in sneaky.text

    # two roles read the tree and see different things
    leader, worker = platform.login("township"), platform.login("gridworker")
    leader_tree = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).json()
    worker_tree = requests.get(base + "/api/v1/org/tree", headers=worker, timeout=10).json()
    assert [n["level"] for n in leader_tree] == ["township"]
    assert [n["level"] for n in worker_tree] == ["grid"]
    assert worker_tree[0]["id"] != leader_tree[0]["id"]
    other = platform.login("township2")
    outside_unit = requests.get(base + "/api/v1/org/tree", headers=other, timeout=10).json()[0]["children"][
        0
    ]["id"]
    r = requests.get(f"{base}/api/v1/org-units/{outside_unit}", headers=leader, timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "not_found"

    # no token, a bad token, bad bodies: clear 4xx problems, in Chinese or English
    r = requests.get(base + "/api/v1/org/tree", timeout=10)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["title"] == "请先登录"
    r = requests.get(base + "/api/v1/org/tree", headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    r = requests.post(
        base + "/api/v1/people", headers={**leader, "Accept-Language": "en"}, json={"name": ""}, timeout=10
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    assert r.json()["title"] == "The submitted data is invalid" and "code" in r.json()["errors"]
    r = requests.post(base + "/api/v1/people", headers=leader, data="{oops", timeout=10)
    assert r.status_code == 415
    r = requests.post(
        base + "/api/v1/people",
        headers={**leader, "Content-Type": "application/json"},
        data="{oops",
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_json"
    assert requests.get(base + "/api/v1/no-such-thing", timeout=10).status_code == 404
    assert requests.put(base + "/api/v1/people", headers=leader, timeout=10).status_code == 405
    r = requests.post(base + "/api/v1/auth/login", json={"username": "township", "password": "x"}, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "login_failed"

    # a write goes through and its event reaches the person's inbox via the outbox
    village = leader_tree[0]["children"][0]
    r = requests.post(
        base + "/api/v1/people",
        headers=leader,
        json={
            "code": "E2E1",
            "name": "钱进",
            "roles": ["village_cadre"],
            "org_unit_id": village["id"],
            "phone": "13900001111",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "13900001111"
    assert (
        requests.post(
            base + "/api/v1/people", headers=leader, json={**r.json(), "id": None}, timeout=10
        ).status_code
        == 422
    )

    # bulk import through the gateway: a template, a valid file, a bad one (nothing written), out of scope
    r = requests.get(base + "/api/v1/imports/households/template", headers=leader, timeout=10)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    grid = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).json()[0]["children"][0][
        "children"
    ][0]
    good = f"户编号,网格编码,地址,户主,联系电话\nH-E2E-1,{grid['code']},一组1号,陈一,13900002222\n"
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 1)
    bad = good + "H-E2E-2,NOPE,二组2号,陈二,123\n"
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", bad.encode())},
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["code"] == "import_invalid"
    assert {e["row"] for e in r.json()["errors"]["rows"]} == {3}
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=other,
        files={"file": ("h.csv", good.replace("陈一", "改名").encode())},
        timeout=30,
    )
    # a row touching a record outside the importer's scope is a row error: nothing is written
    assert r.status_code == 422 and r.json()["code"] == "import_invalid", r.text
    assert {(e["row"], e["column"]) for e in r.json()["errors"]["rows"]} == {(2, "网格编码"), (2, "户编号")}
    households = requests.get(
        base + "/api/v1/households",
        headers=leader,
        params={"grid_id": grid["id"], "per_page": 100},
        timeout=10,
    ).json()["items"]
    assert [h["head_name"] for h in households if h["code"] == "H-E2E-1"] == ["陈一"]
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=worker,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert r.status_code == 403

    # sign-out revokes the token; the audit log shows the org changes made above
    audit = requests.get(base + "/api/v1/audit", headers=leader, timeout=10)
    assert audit.status_code == 200 and {e["action"] for e in audit.json()["items"]} >= {
        "person.assigned",
        "import",
    }
    assert requests.get(base + "/api/v1/audit", headers=worker, timeout=10).status_code == 403
    session = platform.login("secretary")
    assert requests.post(base + "/api/v1/auth/logout", headers=session, timeout=10).status_code == 200
    r = requests.get(base + "/api/v1/me", headers=session, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"

    # repeated wrong passwords lock the account (423), with a clear message
    for _ in range(5):
        requests.post(base + "/api/v1/auth/login", json={"username": "dept", "password": "bad"}, timeout=10)
    r = requests.post(
        base + "/api/v1/auth/login", json={"username": "dept", "password": "Demo@2026"}, timeout=10
    )
    assert r.status_code == 423 and r.json()["code"] == "account_locked"

    # a stopped service: 503 within the timeout, never a hang; readiness says which
    platform.kill("grids")
    started = time.monotonic()
    r = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=30)
    elapsed = time.monotonic() - started
    assert r.status_code in (503, 504) and r.json()["code"] in ("service_unavailable", "service_timeout")
    assert elapsed < RPC_TIMEOUT + 2
    ready = requests.get(base + "/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["services"]["grids"] != "ok"

    # and it recovers by itself once the service is back
    platform.start("grids")
    platform.wait_ready()
    assert requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).status_code == 200
