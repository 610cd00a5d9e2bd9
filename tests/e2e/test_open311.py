"""Open311 GeoReport v2 end to end (PostgreSQL), driven by an independent client: the
`georeport` package from PyPI reads services, definitions and requests (JSON and XML); it
cannot create requests, so POSTs are plain form-encoded HTTP as the specification shows.
Requests go up the same ladder as any mailbox item; then hotspot early warning sees
a burst of similar requests in the resident's village."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import requests
from georeport import GeoReport

from services.tasks.hotspots.detector import week_of


def test_open311_client_creates_and_reads_requests_through_the_ladder(platform_pg):
    base = platform_pg.base_url
    api = base + "/api/v1"
    root = base + "/open311/v2"
    who = {
        n: platform_pg.login(n)
        for n in ("admin", "resident", "gridworker", "secretary", "township", "township2", "dept")
    }
    me = {n: requests.get(api + "/me", headers=h, timeout=10).json() for n, h in who.items()}
    # the resident's own Open311 key (their session token is refused as api_key)
    issued = requests.post(api + "/open311/keys", headers=who["resident"], timeout=10)
    assert issued.status_code == 201, issued.text
    token = issued.json()["api_key"]
    grid_id = me["resident"]["org_unit_id"]
    assert requests.post(api + "/catalogue/seed-default", headers=who["admin"], timeout=30).status_code == 200

    # -- services and their definitions, JSON and XML, through the independent client --
    client = GeoReport(root, jurisdiction="grassroots")
    services = client.get_service_list()
    codes = {s["service_code"]: s for s in services}
    assert {"RJ", "FX", "PA", "QT"} <= set(codes)
    assert codes["RJ"]["service_name"] == "人居环境" and codes["RJ"]["metadata"] is True
    assert codes["RJ"]["type"] == "realtime" and codes["RJ"]["group"] == "村民信箱"
    xml_services = GeoReport(root, jurisdiction="grassroots", output_format="xml").get_service_list()
    assert {s["service_code"] for s in xml_services} == set(codes)
    assert next(s for s in xml_services if s["service_code"] == "RJ")["metadata"] == "true"

    definition = client.get_service_definition("RJ")
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert attrs["matter_code"]["datatype"] == "singlevaluelist"
    assert {"key": "RJ003", "name": "农村生活垃圾收运点位排查"} in attrs["matter_code"]["values"]
    assert attrs["grid_id"]["datatype"] == "number" and attrs["grid_id"]["required"] is False
    xml_def = GeoReport(root, output_format="xml").get_service_definition("QT")
    assert xml_def["service_code"] == "QT" and xml_def["attributes"]["attribute"]["code"] == "grid_id"

    # -- errors in the specification's format -------------------------------------------
    r = requests.get(root + "/services/NOPE.json", timeout=10)
    assert r.status_code == 404 and r.json()[0]["code"] == 404 and "NOPE" in r.json()[0]["description"]
    r = requests.get(root + "/services.json", params={"jurisdiction_id": "elsewhere"}, timeout=10)
    assert r.status_code == 404
    r = requests.post(
        root + "/requests.json", data={"description": "没有类别", "address_string": "村口"}, timeout=10
    )
    assert r.status_code == 400 and r.json() == [{"code": 400, "description": "缺少 service_code"}]
    r = requests.post(
        root + "/requests.xml",
        data={"service_code": "ZZ", "description": "x", "address_string": "村口", "api_key": token},
        timeout=10,
    )
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/xml")
    error = ET.fromstring(r.content).find("error")
    assert error.findtext("code") == "404" and "ZZ" in error.findtext("description")
    r = requests.post(
        root + "/requests.json", data={"service_code": "RJ", "description": "x", "api_key": token}, timeout=10
    )
    assert r.status_code == 400 and "address_string" in r.json()[0]["description"]
    r = requests.post(
        root + "/requests.json",
        data={"service_code": "RJ", "description": "x", "address_string": "村口", "api_key": "forged"},
        timeout=10,
    )
    assert r.status_code == 403
    r = requests.post(
        root + "/requests.json", data={"service_code": "RJ", "description": "x", "lat": "29.1"}, timeout=10
    )
    assert r.status_code == 400
    r = requests.post(
        root + "/requests.json",
        data={"service_code": "RJ", "description": "无手机号", "address_string": "村口"},
        timeout=10,
    )
    assert r.status_code == 400 and "phone" in r.json()[0]["description"]
    r = requests.post(
        root + "/requests.json",
        data={
            "service_code": "RJ",
            "description": "x",
            "address_string": "村口",
            "attribute[matter_code]": "FX001",
            "api_key": token,
        },
        timeout=10,
    )
    assert r.status_code == 400 and "matter_code" in r.json()[0]["description"]
    assert requests.get(root + "/services.csv", timeout=10).status_code == 404

    # -- a resident files with their token (as api_key), form-encoded, XML response -----
    r = requests.post(
        root + "/requests.xml",
        data={
            "jurisdiction_id": "grassroots",
            "service_code": "RJ",
            "attribute[matter_code]": "RJ003",
            "description": "村口垃圾桶满了三天没人清运,气味很大",
            "lat": "28.9718",
            "long": "118.8593",
            "address_string": "溪口村村口公交站旁",
            "media_url": "https://img.example.cn/trash.jpg",
            "api_key": token,
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    receipt = ET.fromstring(r.content).find("request")
    mine = int(receipt.findtext("service_request_id"))
    assert receipt.findtext("account_id") == str(me["resident"]["id"])

    # -- anonymous: phone and grid number, JSON -----------------------------------------
    r = requests.post(
        root + "/requests.json",
        data={
            "service_code": "QT",
            "description": "想咨询一下农房翻建审批要哪些材料",
            "address_string": "溪口村",
            "phone": "13900002222",
            "attribute[grid_id]": str(grid_id),
            "first_name": "红卫",
            "last_name": "徐",
            "email": "ignored@example.cn",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    anonymous = int(r.json()[0]["service_request_id"])
    assert r.json()[0]["account_id"] is None

    # -- the same ladder as any mailbox item: at the grid worker first ----------------
    waiting = requests.get(
        api + "/matters", headers=who["gridworker"], params={"mine": "true"}, timeout=10
    ).json()
    by_id = {m["id"]: m for m in waiting["items"]}
    assert {mine, anonymous} <= set(by_id)
    assert by_id[mine]["source"] == "open311" and by_id[mine]["handler_id"] == me["gridworker"]["id"]
    assert by_id[mine]["title"].startswith("人居环境:村口垃圾桶")
    assert "溪口村村口公交站旁" in by_id[mine]["description"] and "RJ003" not in by_id[mine]["title"]

    status = client.get_service_request(str(mine))
    assert status["status"] == "open" and status["service_code"] == "RJ"
    assert status["agency_responsible"].endswith("网格员")
    assert status["expected_datetime"] and status["requested_datetime"].endswith("Z")
    assert status["description"] is None and status["lat"] is None  # strangers see the state only
    full = requests.get(root + f"/requests/{mine}.json", headers=who["resident"], timeout=10).json()[0]
    assert full["description"].startswith("村口垃圾桶") and full["lat"] == 28.9718
    assert full["media_url"] == "https://img.example.cn/trash.jpg" and full["address"] == "溪口村村口公交站旁"
    other = requests.get(root + f"/requests/{mine}.json", headers=who["township2"], timeout=10).json()[0]
    assert other["description"] is None

    r = requests.post(
        api + f"/matters/{mine}/escalate",
        headers=who["gridworker"],
        json={"note": "需村里协调清运车"},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["level"] == "village"
    status = client.get_service_request(str(mine))
    assert status["status"] == "open" and status["agency_responsible"].endswith("村党组织")
    assert "难事协办" in status["status_notes"]
    r = requests.post(
        api + f"/matters/{mine}/escalate", headers=who["secretary"], json={"note": "报乡镇"}, timeout=10
    )
    assert r.status_code == 200 and r.json()["level"] == "department"
    assert client.get_service_request(str(mine))["agency_responsible"].endswith("四平台")
    dept_id = me["dept"]["department_id"]
    r = requests.post(
        api + f"/matters/{mine}/dispatch",
        headers=who["township"],
        json={"department_id": dept_id},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert (
        requests.post(api + f"/matters/{mine}/take", headers=who["dept"], json={}, timeout=10).status_code
        == 200
    )
    status = client.get_service_request(str(mine))
    departments = requests.get(api + "/departments", headers=who["dept"], timeout=10).json()
    dept_name = next(
        d["name"]
        for d in (departments if isinstance(departments, list) else departments["items"])
        if d["id"] == dept_id
    )
    assert status["agency_responsible"] == dept_name and "已接单" in status["status_notes"]
    r = requests.post(
        api + f"/matters/{mine}/resolve", headers=who["dept"], json={"note": "已增加清运频次"}, timeout=10
    )
    assert r.status_code == 200
    closed = GeoReport(root, output_format="xml").get_service_request(str(mine))
    assert closed["status"] == "closed" and "已增加清运频次" in closed["status_notes"]
    assert closed["expected_datetime"] is None

    # -- lists with the specification's filters ---------------------------------------
    listed = client.get_service_requests(service_request_id=f"{mine},{anonymous}")
    assert {int(x["service_request_id"]) for x in listed} == {mine, anonymous}
    assert [x["service_request_id"] for x in client.get_service_requests(status="closed")] == [str(mine)]
    assert str(anonymous) in [
        x["service_request_id"] for x in client.get_service_requests(service_code="QT", status="open")
    ]
    r = requests.get(root + "/requests.json", params={"status": "lost"}, timeout=10)
    assert r.status_code == 400
    assert requests.get(root + "/requests/999999.json", timeout=10).status_code == 404

    # -- hotspot early warning: a burst of similar requests in the resident's village ---
    for n, text in enumerate(
        [
            "自来水水压太低,楼上放不出水",
            "这几天自来水水压太低,洗澡都难",
            "自来水水压不足,早上没水用",
            "水压太低了,水龙头出水很小",
            "家里自来水水压太低",
            "楼上放不出水,水压太低",
            "水压太低,自来水时有时无",
        ]
    ):
        r = requests.post(
            root + "/requests.json",
            data={
                "service_code": "QT",
                "description": text,
                "address_string": f"溪口村{n + 1}号",
                "api_key": token,
            },
            timeout=10,
        )
        assert r.status_code == 201, r.text
    week = week_of(datetime.now(UTC))
    assert (
        requests.post(
            api + "/hotspots/check", headers=who["township"], json={"week": week}, timeout=60
        ).status_code
        == 403
    )
    r = requests.post(api + "/hotspots/check", headers=who["admin"], json={"week": week}, timeout=60)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["found"] >= 1 and report["raised"] >= 1
    again = requests.post(
        api + "/hotspots/check", headers=who["admin"], json={"week": week}, timeout=60
    ).json()
    assert again["raised"] == 0
    seen = requests.get(api + "/hotspots", headers=who["township"], params={"week": week}, timeout=10).json()[
        "items"
    ]
    water = next(h for h in seen if "水" in h["label"])
    assert water["place_kind"] == "village" and water["count"] >= 7 and water["samples"]
    assert water["place_name"] and water["place_name"] in water["message"]
    assert (
        requests.get(api + f"/hotspots/{water['id']}", headers=who["township"], timeout=10).status_code == 200
    )
    assert (
        requests.get(api + f"/hotspots/{water['id']}", headers=who["township2"], timeout=10).status_code
        == 404
    )
    assert (
        requests.get(api + "/hotspots", headers=who["township2"], params={"week": week}, timeout=10).json()[
            "items"
        ]
        == []
    )
    assert requests.get(api + "/hotspots", headers=who["resident"], timeout=10).status_code == 403
    assert (
        requests.post(
            api + "/hotspots/check", headers=who["admin"], json={"week": "2026-W99"}, timeout=10
        ).status_code
        == 422
    )
