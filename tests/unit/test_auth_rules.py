"""The pure rules of authentication: password policy and expiry, token lifetimes (idle and
absolute), credential versions, the client address behind trusted proxies, audit choices."""

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import DomainError
from gateway import auditing, auth
from gateway.clientaddr import client_address
from gateway.credentials import CredentialVersions
from services.grids import passwords

COMMON = passwords.common_passwords()
SECRET = "unit-test-secret"
ACTOR = {"id": 7, "name": "张三", "roles": ["member"], "org_unit_id": 3, "scope": ["/1/2/"], "cv": 4}


def test_shipped_common_list_is_a_few_thousand_lower_case_entries():
    assert 2000 < len(COMMON) < 20000
    assert {"123456", "password", "p@ssw0rd", "admin@123", "woaini1314", "qwer1234"} <= COMMON
    assert all(p == p.lower() for p in COMMON)
    assert "demo@2026" not in COMMON  # demo mode may still grant it; production refuses it by name


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Abcdef1!", []),
        ("abcdefg1", ["密码须包含大写字母、小写字母、数字、特殊字符中的至少三类"]),
        ("Ab1!", ["密码至少 8 位"]),
        ("xLi.si#2026", ["密码不能包含账号名"]),
        ("Qwer@1234", ["密码过于常见,请换一个"]),
        ("PASSWORD@123", ["密码过于常见,请换一个"]),
        ("Demo@2026", ["不能使用演示密码"]),
    ],
)
def test_password_problems(password, expected):
    assert passwords.problems(password, "li.si", COMMON, frozenset({"Demo@2026"})) == expected


def test_demo_password_passes_outside_production_and_classes_count():
    assert passwords.problems("Demo@2026", "admin", COMMON) == []
    assert [passwords.classes(p) for p in ("abc", "aB", "aB1", "aB1!", "中文1")] == [1, 2, 3, 4, 2]


def test_expiry_only_when_a_maximum_is_set():
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert not passwords.expired(now - timedelta(days=400), now, None)
    assert passwords.expired(now - timedelta(days=91), now, 90)
    assert not passwords.expired(now - timedelta(days=89), now, 90)
    assert passwords.expired(None, now, 90)
    assert not passwords.expired((now - timedelta(days=1)).replace(tzinfo=None), now, 90)


def test_token_carries_version_idle_window_and_session_end():
    token = auth.issue(ACTOR | {"must_change_password": True}, SECRET, 28800, 1800)
    actor = auth.verify("Bearer " + token, SECRET)
    assert actor["cv"] == 4 and actor["pwc"] is True
    assert actor["exp"] + 28800 - 1800 == actor["sexp"]
    refreshed = auth.verify("Bearer " + auth.refresh(actor, SECRET), SECRET)
    assert (refreshed["jti"], refreshed["sexp"], refreshed["cv"]) == (actor["jti"], actor["sexp"], 4)


def test_expired_token_says_idle_or_expired():
    idle = auth.issue(ACTOR, SECRET, 28800, -10)  # its idle window is already over
    with pytest.raises(DomainError) as caught:
        auth.verify("Bearer " + idle, SECRET)
    assert caught.value.code == "token_idle"
    over = auth.issue(ACTOR, SECRET, -10, 1800)
    with pytest.raises(DomainError) as caught:
        auth.verify("Bearer " + over, SECRET)
    assert caught.value.code == "token_expired"


def test_credential_versions_only_go_forward():
    versions = CredentialVersions()
    assert not versions.is_stale(7, 1)
    versions.update(7, 3)
    versions.update(7, 2)  # a late event does not undo a newer one
    assert versions.is_stale(7, 2) and not versions.is_stale(7, 3) and not versions.is_stale(8, 1)


def test_forwarded_for_is_believed_from_trusted_proxies_only():
    trusted = frozenset({"10.0.0.1", "10.0.0.2"})
    assert client_address("198.51.100.9", "203.0.113.7", trusted) == "198.51.100.9"
    assert client_address("10.0.0.1", "203.0.113.7, 10.0.0.2", trusted) == "203.0.113.7"
    assert client_address("10.0.0.1", "6.6.6.6, 203.0.113.7", trusted) == "203.0.113.7"
    assert client_address("10.0.0.1", None, trusted) == "10.0.0.1"
    assert client_address(None, None, frozenset()) == "unknown"


def test_what_the_gateway_records():
    assert auditing.what_to_record("GET", 403, False) == ("request.refused", "refused")
    assert auditing.what_to_record("POST", 401, False) == ("request.refused", "refused")
    assert auditing.what_to_record("GET", 200, True) == ("personal_data.exported", "ok")
    assert auditing.what_to_record("DELETE", 200, False) == ("request.write", "ok")
    assert auditing.what_to_record("POST", 422, False) is None
    assert auditing.what_to_record("GET", 200, False) is None


def test_a_jwt_is_recognised_as_not_an_api_key():
    assert auth.looks_like_jwt(auth.issue(ACTOR, SECRET, 60, 60))
    assert not auth.looks_like_jwt("o311_abc.def")
