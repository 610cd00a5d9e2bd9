"""Authentication as 等保 level 3 asks, end to end through the gateway (on SQLite, the embedded
default; the PostgreSQL-specific part, the audit triggers, is tested on both): password
rules, the first-login change, credential versions on every gateway replica, the idle
timeout, disabling accounts, and a lockout that treats unknown usernames like known ones."""

import time
import uuid
from pathlib import Path

import jwt
import pytest
import requests

from common.migrations import upgrade
from scripts.local_platform import Platform, free_port
from tests.e2e.conftest import running_platform

PASSWORD = "Grant#2026x"


@pytest.fixture(scope="module")
def gw(vhost, tmp_path_factory):
    yield from module_platform(vhost, tmp_path_factory.mktemp("accounts"))


def module_platform(vhost, folder, **settings):
    """One platform on SQLite files for a whole module."""

    def make(service: str) -> str:
        url = f"sqlite:///{folder / (service + '.db')}"
        upgrade(service, url)
        return url

    with running_platform(make, vhost, folder, {"GOV_LOGIN_PER_MINUTE": "1000", **settings}) as running:
        yield running


def api(gw) -> str:
    return gw.base_url + "/api/v1"


def login(gw, username, password):
    return requests.post(
        api(gw) + "/auth/login", json={"username": username, "password": password}, timeout=10
    )


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def new_person(gw, admin, roles=("village_cadre",), place=None) -> dict:
    if place is None:
        me = requests.get(api(gw) + "/me", headers=gw.login("secretary"), timeout=10).json()
        place = me["org_unit_id"]
    body = {
        "code": "AC" + uuid.uuid4().hex[:8],
        "name": "账号测试",
        "roles": list(roles),
        "org_unit_id": place,
    }
    r = requests.post(api(gw) + "/people", json=body, headers=admin, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def granted(gw, admin, password=PASSWORD, **kw) -> tuple[dict, str]:
    person = new_person(gw, admin, **kw)
    username = "u" + uuid.uuid4().hex[:8]
    body = {"username": username, "password": password}
    r = requests.put(api(gw) + f"/people/{person['id']}/account", json=body, headers=admin, timeout=10)
    assert r.status_code == 200, r.text
    return person, username


def changed(gw, admin, new="Changed#2026y", **kw) -> tuple[dict, str, str]:
    """A granted account that has made its first-login change: (person, username, token)."""
    person, username = granted(gw, admin, **kw)
    token = login(gw, username, PASSWORD).json()["token"]
    body = {"old_password": PASSWORD, "new_password": new}
    r = requests.post(api(gw) + "/auth/password", json=body, headers=bearer(token), timeout=10)
    assert r.status_code == 200, r.text
    return person, username, r.json()["token"]


def test_password_rules_when_granting(gw):
    admin = gw.login("admin")
    person = new_person(gw, admin)
    url = api(gw) + f"/people/{person['id']}/account"
    cases = {
        "short1A": ["密码长度应在 8 到 128 之间"],  # the contract refuses it before the rules
        "alllowercase": ["密码须包含大写字母、小写字母、数字、特殊字符中的至少三类"],
        "Zhang.san#1": ["密码不能包含账号名"],
        "Password@123": ["密码过于常见,请换一个"],
        "P@ssw0rd": ["密码过于常见,请换一个"],
    }
    for password, reasons in cases.items():
        r = requests.put(url, json={"username": "zhang.san", "password": password}, headers=admin, timeout=10)
        assert r.status_code == 422, (password, r.text)
        body = r.json()
        assert body["code"] == "validation_failed" and body["errors"] == {"password": reasons}, password
    r = requests.put(
        url,
        json={"username": "zhang.san", "password": "Password@123"},
        headers=admin | {"Accept-Language": "en"},
        timeout=10,
    )
    assert r.status_code == 422 and r.json()["title"] == "The submitted data is invalid"
    # nothing was granted by the refusals
    assert requests.get(url.rsplit("/", 1)[0], headers=admin, timeout=10).json()["username"] is None
    # the demo password is a fine password outside production (4 classes), so demo mode keeps it
    ok = requests.put(url, json={"username": "zhang.san", "password": "Demo@2026"}, headers=admin, timeout=10)
    assert ok.status_code == 200 and ok.json()["username"] == "zhang.san"


def test_first_login_must_change_the_password(gw):
    admin = gw.login("admin")
    person, username = granted(gw, admin)
    r = login(gw, username, PASSWORD)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    token = r.json()["token"]
    refused = requests.get(api(gw) + "/people", headers=bearer(token), timeout=10)
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert refused.json()["title"] == "请先修改初始密码(或已过期的密码)"
    me = requests.get(api(gw) + "/me", headers=bearer(token), timeout=10)
    assert me.status_code == 200 and me.json()["id"] == person["id"] and "cv" not in me.json()

    url = api(gw) + "/auth/password"
    wrong = requests.post(
        url, json={"old_password": "nope", "new_password": "Changed#2026y"}, headers=bearer(token), timeout=10
    )
    assert wrong.status_code == 422 and wrong.json()["errors"] == {"old_password": ["原密码不正确"]}
    weak = requests.post(
        url, json={"old_password": PASSWORD, "new_password": "weakpass"}, headers=bearer(token), timeout=10
    )
    assert weak.status_code == 422 and "new_password" in weak.json()["errors"]
    assert login(gw, username, PASSWORD).status_code == 200  # the refusals changed nothing

    done = requests.post(
        url,
        json={"old_password": PASSWORD, "new_password": "Changed#2026y"},
        headers=bearer(token),
        timeout=10,
    )
    assert done.status_code == 200 and done.json()["must_change_password"] is False
    fresh = done.json()["token"]
    stale = requests.get(api(gw) + "/me", headers=bearer(token), timeout=10)
    assert stale.status_code == 401 and stale.json()["code"] == "credentials_changed"
    assert requests.get(api(gw) + "/people", headers=bearer(fresh), timeout=10).status_code == 200
    assert login(gw, username, PASSWORD).json()["code"] == "login_failed"
    again = login(gw, username, "Changed#2026y")
    assert again.status_code == 200 and again.json()["must_change_password"] is False


def test_disabled_account_cannot_log_in_and_its_tokens_stop_at_once(gw):
    admin = gw.login("admin")
    person, username, token = changed(gw, admin)
    assert requests.get(api(gw) + "/people", headers=bearer(token), timeout=10).status_code == 200
    outsider = requests.post(
        api(gw) + f"/people/{person['id']}/account/disable", headers=gw.login("township2"), timeout=10
    )
    assert outsider.status_code == 403 and outsider.json()["code"] == "out_of_scope"
    worker = requests.post(
        api(gw) + f"/people/{person['id']}/account/disable", headers=gw.login("gridworker"), timeout=10
    )
    assert worker.status_code == 403 and worker.json()["code"] == "forbidden"

    r = requests.post(api(gw) + f"/people/{person['id']}/account/disable", headers=admin, timeout=10)
    assert r.status_code == 200 and r.json()["account_disabled"] is True and r.json()["id"] == person["id"]
    stale = requests.get(api(gw) + "/people", headers=bearer(token), timeout=10)
    assert stale.status_code == 401 and stale.json()["code"] == "credentials_changed"
    refused = login(gw, username, "Changed#2026y")
    assert refused.status_code == 401 and refused.json()["code"] == "login_failed"

    r = requests.post(api(gw) + f"/people/{person['id']}/account/enable", headers=admin, timeout=10)
    assert r.status_code == 200 and r.json()["account_disabled"] is False
    assert requests.get(api(gw) + "/people", headers=bearer(token), timeout=10).status_code == 401
    assert login(gw, username, "Changed#2026y").status_code == 200


def test_lockout_answers_unknown_usernames_like_known_ones(gw):
    admin = gw.login("admin")
    _, known, _ = changed(gw, admin)
    unknown = "ghost" + uuid.uuid4().hex[:6]
    answers = {}
    for username in (known, unknown):
        firsts = [login(gw, username, "Wrong#2026x") for _ in range(5)]
        assert [r.status_code for r in firsts] == [401] * 5
        locked = login(gw, username, "Changed#2026y")
        answers[username] = (locked.status_code, locked.json())
    assert answers[known] == answers[unknown]
    assert answers[known][0] == 423 and answers[known][1]["code"] == "account_locked"
    assert answers[known][1]["title"] == "密码错误次数过多,账号已锁定,请 15 分钟后再试"


def test_idle_token_is_refused_and_answers_carry_a_refreshed_token(gw):
    secret = (Path(gw.env["GOV_VAR_DIR"]) / "jwt-secret").read_text().strip()
    r = login(gw, "member", "Demo@2026")
    token = r.json()["token"]
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer="grassroots-gateway")
    assert claims["exp"] - claims["iat"] == 1800 and claims["sexp"] - claims["iat"] == 28800

    answer = requests.get(api(gw) + "/me", headers=bearer(token), timeout=10)
    refreshed = answer.headers["X-Refreshed-Token"]
    again = jwt.decode(refreshed, secret, algorithms=["HS256"], issuer="grassroots-gateway")
    assert again["jti"] == claims["jti"] and again["sexp"] == claims["sexp"] and again["exp"] >= claims["exp"]
    assert requests.get(api(gw) + "/me", headers=bearer(refreshed), timeout=10).status_code == 200

    now = int(time.time())
    idle = jwt.encode(claims | {"iat": now - 1900, "exp": now - 100}, secret, algorithm="HS256")
    r = requests.get(api(gw) + "/me", headers=bearer(idle), timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_idle" and "X-Refreshed-Token" not in r.headers
    over = jwt.encode(claims | {"exp": now - 100, "sexp": now - 100}, secret, algorithm="HS256")
    r = requests.get(api(gw) + "/me", headers=bearer(over), timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
    # a signed-out session stays out even with a refreshed token of it
    assert requests.post(api(gw) + "/auth/logout", headers=bearer(token), timeout=10).status_code == 200
    r = requests.get(api(gw) + "/me", headers=bearer(refreshed), timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


def test_a_second_gateway_refuses_stale_tokens(gw, tmp_path):
    admin = gw.login("admin")
    _, username, token = changed(gw, admin)
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    second = Platform(gw.env | {"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}, f"http://127.0.0.1:{port}", logs)
    second.start("gateway")
    try:
        second.wait_ready()
        url2 = second.base_url + "/api/v1/people"
        assert requests.get(url2, headers=bearer(token), timeout=10).status_code == 200
        body = {"old_password": "Changed#2026y", "new_password": "Again#2026zz"}
        r = requests.post(api(gw) + "/auth/password", json=body, headers=bearer(token), timeout=10)
        assert r.status_code == 200
        deadline, answer = time.monotonic() + 10, None
        while time.monotonic() < deadline:  # the broadcast reaches the other replica
            answer = requests.get(url2, headers=bearer(token), timeout=10)
            if answer.status_code == 401:
                break
            time.sleep(0.2)
        assert answer.status_code == 401 and answer.json()["code"] == "credentials_changed"
        assert requests.get(url2, headers=bearer(r.json()["token"]), timeout=10).status_code == 200
    finally:
        second.stop_all()
    # a replica started after the change loads the versions from grids on its first request
    third = Platform(gw.env | {"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}, f"http://127.0.0.1:{port}", logs)
    third.start("gateway")
    try:
        third.wait_ready()
        late = requests.get(third.base_url + "/api/v1/me", headers=bearer(token), timeout=10)
        assert late.status_code == 401 and late.json()["code"] == "credentials_changed"
    finally:
        third.stop_all()
