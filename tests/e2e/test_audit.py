"""The audit trail end to end: what is recorded (with who, when, from where, what, outcome),
who may read and export it, and that the API offers no way to change it; and residents'
own Open311 keys, the only api_key Open311 accepts."""

import io
import time
import uuid

import pytest
import requests
from openpyxl import load_workbook

from tests.e2e.test_accounts import bearer, changed, login, module_platform

CLIENT = "203.0.113.7"
VIA_PROXY = {"X-Forwarded-For": CLIENT}  # the platform runs with 127.0.0.1 as a trusted proxy


@pytest.fixture(scope="module")
def gw(vhost, tmp_path_factory):
    yield from module_platform(vhost, tmp_path_factory.mktemp("audit"), GOV_TRUSTED_PROXIES="127.0.0.1")


def api(gw):
    return gw.base_url + "/api/v1"


def trail(gw, who, **filters) -> list[dict]:
    r = requests.get(api(gw) + "/audit", params={"per_page": 200, **filters}, headers=who, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def wait_for(gw, who, match, **filters) -> dict:
    """The newest entry matching, waiting for records that travel on the audit queue."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [e for e in trail(gw, who, **filters) if match(e)]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no audit entry for {filters}: {trail(gw, who, **filters)[:5]}")


def test_logins_lockouts_sign_outs_and_account_changes_are_recorded(gw):
    admin = gw.login("admin")
    admin_id = requests.get(api(gw) + "/me", headers=admin, timeout=10).json()["id"]
    person, username, token = changed(gw, admin)
    target = f"accounts/{username}"

    ok = wait_for(gw, admin, lambda e: e["outcome"] == "ok", action="login", target=target)
    assert ok["actor_id"] == person["id"] and ok["client"] == "127.0.0.1" and ok["at"]
    granted = wait_for(gw, admin, lambda e: True, action="account.granted", target=f"people/{person['id']}")
    assert granted["actor_id"] == admin_id and granted["detail"] == {"username": username}
    changed_row = wait_for(
        gw, admin, lambda e: True, action="password.changed", target=f"people/{person['id']}"
    )
    assert changed_row["actor_id"] == person["id"] and changed_row["outcome"] == "ok"

    # failures from behind the trusted proxy carry the client's own address
    for _ in range(5):
        r = requests.post(
            api(gw) + "/auth/login", json={"username": username, "password": "Bad#2026xx"}, headers=VIA_PROXY
        )
        assert r.status_code == 401
    failed = trail(gw, admin, action="login", target=target, outcome="failed")
    assert len(failed) == 5 and {e["client"] for e in failed} == {CLIENT}
    assert wait_for(gw, admin, lambda e: True, action="account.locked", target=target)["client"] == CLIENT
    assert (
        requests.post(api(gw) + "/auth/login", json={"username": username, "password": "x"}).status_code
        == 423
    )
    assert trail(gw, admin, action="login", target=target, outcome="locked")[0]["actor_id"] == person["id"]
    # an unknown username is recorded the same way, with nobody (0) as the actor
    ghost = "ghost" + uuid.uuid4().hex[:6]
    login(gw, ghost, "Whatever#1")
    unknown = trail(gw, admin, action="login", target=f"accounts/{ghost}")
    assert [(e["actor_id"], e["outcome"], e["org_path"]) for e in unknown] == [(0, "failed", "")]

    r = requests.post(api(gw) + f"/people/{person['id']}/account/disable", headers=admin | VIA_PROXY)
    assert r.status_code == 200
    disabled = trail(gw, admin, action="account.disabled", target=f"people/{person['id']}")
    assert [(e["actor_id"], e["client"], e["outcome"]) for e in disabled] == [(admin_id, CLIENT, "ok")]

    session = gw.login("secretary")
    secretary_id = requests.get(api(gw) + "/me", headers=session, timeout=10).json()["id"]
    assert requests.post(api(gw) + "/auth/logout", headers=session, timeout=10).status_code == 200
    out = wait_for(gw, admin, lambda e: e["actor_id"] == secretary_id, action="logout")
    assert out["outcome"] == "ok" and out["target"] == f"people/{secretary_id}"


def test_refused_requests_exports_and_writes_are_recorded(gw):
    admin, worker = gw.login("admin"), gw.login("gridworker")
    worker_id = requests.get(api(gw) + "/me", headers=worker, timeout=10).json()["id"]
    r = requests.get(api(gw) + "/audit", headers=worker | VIA_PROXY, timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    refused = wait_for(gw, admin, lambda e: e["actor_id"] == worker_id, action="request.refused")
    assert refused["target"] == "GET /api/v1/audit" and refused["client"] == CLIENT
    assert refused["outcome"] == "refused" and refused["detail"]["code"] == "forbidden"
    assert refused["detail"]["status"] == 403

    r = requests.get(api(gw) + "/people", headers={"Authorization": "Bearer forged"}, timeout=10)
    assert r.status_code == 401
    anonymous = wait_for(gw, admin, lambda e: e["target"] == "GET /api/v1/people", action="request.refused")
    assert anonymous["actor_id"] == 0 and anonymous["detail"]["code"] == "token_invalid"

    body = {"code": "AW" + uuid.uuid4().hex[:6], "name": "写入审计", "roles": ["resident"]}
    me = requests.get(api(gw) + "/me", headers=worker, timeout=10).json()
    created = requests.post(
        api(gw) + "/people", json=body | {"org_unit_id": me["org_unit_id"]}, headers=admin
    )
    assert created.status_code == 201
    write = wait_for(gw, admin, lambda e: e["target"] == "POST /api/v1/people", action="request.write")
    assert write["outcome"] == "ok" and write["detail"]["status"] == 201

    r = requests.get(api(gw) + "/audit/export", params={"action": "login"}, headers=admin, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="audit.xlsx"'
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("编号", "时间", "操作人", "操作", "对象", "结果")
    assert len(rows) > 1 and {row[3] for row in rows[1:]} == {"login"}
    exported = wait_for(
        gw, admin, lambda e: e["target"] == "GET /api/v1/audit/export", action="personal_data.exported"
    )
    assert exported["detail"]["query"] == "action=login"
    assert trail(gw, admin, action="audit.exported")[0]["detail"]["filters"]["action"] == "login"


def test_auditor_reads_and_exports_and_nobody_edits(gw):
    admin = gw.login("admin")
    county = requests.get(api(gw) + "/me", headers=admin, timeout=10).json()["org_unit_id"]
    _, _, token = changed(gw, admin, roles=("auditor",), place=county)
    auditor = bearer(token)
    everything = trail(gw, auditor)
    assert {e["action"] for e in everything} >= {"login", "account.granted", "password.changed"}
    # the whole trail, also what concerns no place (a login with an unknown username)
    ghost = "ghost" + uuid.uuid4().hex[:6]
    login(gw, ghost, "Whatever#1")
    assert [e["org_path"] for e in trail(gw, auditor, target=f"accounts/{ghost}")] == [""]
    r = requests.get(api(gw) + "/audit/export", headers=auditor, timeout=30)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    # the auditor sees no people but themself: the role reads the trail and nothing else
    people = requests.get(api(gw) + "/people", headers=auditor, timeout=10)
    assert people.status_code == 200 and len(people.json()["items"]) <= 1
    assert all(p["name"] == "账号测试" for p in people.json()["items"])
    # township leaders read only their part; grid workers neither read nor export
    township = trail(gw, gw.login("township"))
    assert township and all(e["org_path"].startswith(gw_path(gw, "township")) for e in township)
    r = requests.get(api(gw) + "/audit/export", headers=gw.login("township"), timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    # no route changes the trail
    for method, path in (
        ("PUT", "/audit"),
        ("PATCH", "/audit"),
        ("DELETE", "/audit"),
        ("DELETE", "/audit/1"),
    ):
        r = requests.request(method, api(gw) + path, headers=admin, timeout=10)
        assert r.status_code in (404, 405) and r.json()["code"] in ("method_not_allowed", "route_not_found")
    assert trail(gw, admin)[0]["id"] >= everything[0]["id"]


def gw_path(gw, username) -> str:
    return requests.get(api(gw) + "/me", headers=gw.login(username), timeout=10).json()["scope"][0]


def test_open311_accepts_a_residents_own_key_never_a_token(gw):
    admin, resident = gw.login("admin"), gw.login("resident")
    assert requests.post(api(gw) + "/catalogue/seed-default", headers=admin, timeout=30).status_code == 200
    me = requests.get(api(gw) + "/me", headers=resident, timeout=10).json()
    root = gw.base_url + "/open311/v2"
    form = {"service_code": "RJ", "description": "路灯坏了", "address_string": "村口"}

    token = resident["Authorization"].split(" ", 1)[1]
    r = requests.post(root + "/requests.json", data=form | {"api_key": token}, timeout=10)
    assert r.status_code == 403 and r.json() == [{"code": 403, "description": "api_key 或登录凭证无效"}]

    issued = requests.post(api(gw) + "/open311/keys", headers=resident, timeout=10)
    assert issued.status_code == 201
    key = issued.json()
    assert key["api_key"].startswith("o311_") and key["prefix"] == key["api_key"][:12]
    listed = requests.get(api(gw) + "/open311/keys", headers=resident, timeout=10).json()
    assert [k["id"] for k in listed] == [key["id"]] and "api_key" not in listed[0]

    r = requests.post(root + "/requests.json", data=form | {"api_key": key["api_key"]}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()[0]["account_id"] == str(me["id"])

    other = requests.post(api(gw) + "/open311/keys", headers=gw.login("gridworker"), timeout=10)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    r = requests.delete(api(gw) + f"/open311/keys/{key['id']}", headers=gw.login("member"), timeout=10)
    assert r.status_code == 403
    r = requests.delete(api(gw) + f"/open311/keys/{key['id']}", headers=resident, timeout=10)
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = requests.post(root + "/requests.json", data=form | {"api_key": key["api_key"]}, timeout=10)
    assert r.status_code == 403 and r.json()[0]["code"] == 403
    issued_row = trail(gw, admin, action="open311_key.issued", target=f"open311_keys/{key['id']}")
    assert [(e["actor_id"], e["detail"]["prefix"]) for e in issued_row] == [(me["id"], key["prefix"])]
    assert "api_key" not in str(trail(gw, admin, target=f"open311_keys/{key['id']}"))
