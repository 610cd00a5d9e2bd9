"""Work in the field through the gateway (PostgreSQL): monthly lists, visits, household
ratings, the escalation ladder by hand and by deadline, the mailbox, alerts, statistics."""

import json
import time
from datetime import UTC, datetime, timedelta

import requests

from services.tasks.fieldwork.domain import month_of
from tests.photos import jpeg, png

JPEG, PNG = jpeg(), png()
PDF = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"  # a polyglot: served as a PDF


def test_fieldwork_end_to_end(platform_pg, tmp_path):
    base = platform_pg.base_url + "/api/v1"
    who = {
        name: platform_pg.login(name)
        for name in (
            "admin",
            "member",
            "gridworker",
            "secretary",
            "township",
            "township2",
            "dept",
            "resident",
            "cadre",
        )
    }
    me = {name: requests.get(base + "/me", headers=h, timeout=10).json() for name, h in who.items()}

    def req(method, path, user, **kw):
        return requests.request(method, base + path, headers=who[user] if user else {}, timeout=30, **kw)

    month = month_of(datetime.now(UTC))

    # -- lists: replica sync, generation (idempotent), the member's list ----------------
    r = req("POST", "/visit-lists/sync", "admin")
    assert r.status_code == 200, r.text
    assert r.json()["links"] > 1000
    assert req("POST", "/visit-lists/sync", "member").status_code == 403
    r = req("POST", "/visit-lists/generate", "admin", json={"month": month})
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["members"] > 50 and first["items"] == first["total_items"] == r.json()["total_items"]
    again = req("POST", "/visit-lists/generate", "admin", json={"month": month}).json()
    assert again["members"] == 0 and again["items"] == 0 and again["total_items"] == first["total_items"]
    assert req("POST", "/visit-lists/generate", "admin", json={"month": "2026-13"}).status_code == 422

    mine = req("GET", "/visit-lists/mine", "member").json()
    assert 8 <= mine["households"] <= 14 and mine["visited"] == 0
    households = [i["household_id"] for i in mine["items"]]

    # a link made mid-month reaches tasks as an event and joins the issued list
    grid_households = req(
        "GET", "/households", "gridworker", params={"grid_id": me["member"]["org_unit_id"], "per_page": 200}
    ).json()["items"]
    # not the member's own home (he heads a household a neighbour serves; no one links to their own)
    extra = next(
        h["id"]
        for h in grid_households
        if h["id"] not in households and h["head_name"] != me["member"]["name"]
    )
    body = {"kind": "member_household", "source_id": me["member"]["id"], "target_id": extra}
    assert req("POST", "/links", "secretary", json=body).status_code == 201
    for _ in range(100):
        mine = req("GET", "/visit-lists/mine", "member").json()
        if extra in [i["household_id"] for i in mine["items"]]:
            break
        time.sleep(0.2)
    assert extra in [i["household_id"] for i in mine["items"]]

    # -- visits: a photo, needs raised; a visit in the future is refused ----------------
    r = req("POST", "/attachments", "member", files={"file": ("走访.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["content_type"] == "image/jpeg" and photo["kind"] == "photo"
    r = req("POST", "/attachments", "member", files={"file": ("x.exe", b"MZ\x90\x00" * 20, "image/jpeg")})
    assert r.status_code == 422 and r.json()["code"] == "attachment_rejected"

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = req("POST", "/visits", "member", json={"household_id": households[0], "visited_at": future})
    assert r.status_code == 422 and "visited_at" in r.json()["errors"]
    other = req("GET", "/visit-lists", "secretary", params={"month": month}).json()["items"]
    foreign = next(m for m in other if m["member_id"] != me["member"]["id"])
    assert req("GET", "/visit-lists/mine", "gridworker").status_code == 403

    needs = ["路灯不亮,晚上出行不便", "门前水沟堵塞,雨天积水", "村道破损需要修缮"]
    visits = []
    for household, need in zip(households[:3], needs, strict=True):
        r = req(
            "POST",
            "/visits",
            "member",
            json={
                "household_id": household,
                "notes": "入户走访,了解家庭近况",
                "attachment_ids": [photo["id"]],
                "needs": [{"title": need}],
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["on_time"] and r.json()["rating_code_sent"] and len(r.json()["matter_ids"]) == 1
        visits.append(r.json())
    assert foreign["member_id"] != me["member"]["id"]
    # a visit says something: notes, a photo or a need; nothing at all is refused
    r = req("POST", "/visits", "member", json={"household_id": households[0]})
    assert r.status_code == 422 and r.json()["errors"] == {"notes": ["请写下走访情况,或附上照片"]}, r.text
    # a second visit this month is recorded, but the household is not asked to rate twice
    again = req("POST", "/visits", "member", json={"household_id": households[0], "notes": "回访,问题已解决"})
    assert again.status_code == 201 and again.json()["rating_code_sent"] is False, again.text
    sent = (tmp_path / "var" / "sms" / "outbox.jsonl").read_text().splitlines()
    assert len(sent) == 3  # one code per household, not per visit

    mine = req("GET", "/visit-lists/mine", "member").json()
    assert mine["visited"] == 3 and {i["household_id"] for i in mine["items"] if i["visited"]} == set(
        households[:3]
    )

    # -- ratings: only with the household's code, once --------------------------------
    sms = [json.loads(line) for line in (tmp_path / "var" / "sms" / "outbox.jsonl").read_text().splitlines()]
    codes = {m["household_id"]: m["text"].split("评价码:")[1].split(",")[0] for m in sms}
    assert set(codes) == set(households[:3])
    r = req(
        "POST", "/ratings", None, json={"code": codes[households[0]], "rating": 5, "comment": "党员很热心"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["visit_id"] == visits[0]["id"]
    r = req("POST", "/ratings", None, json={"code": codes[households[0]], "rating": 1})
    assert r.status_code == 422 and r.json()["code"] == "rating_code_invalid"
    r = req("POST", "/ratings", None, json={"code": "ABCDEFGH", "rating": 1})
    assert r.status_code == 422
    r = req("POST", "/ratings", None, json={"code": codes[households[1]], "rating": 9})
    assert r.status_code == 422 and "rating" in r.json()["errors"]
    assert req("GET", f"/visits/{visits[0]['id']}", "member").json()["rating"] == 5
    assert req("GET", f"/visits/{visits[0]['id']}", "township2").status_code == 404

    # -- a lost code: the visiting member has a new one sent, and the old one stops working
    def latest_code(household):
        lines = (tmp_path / "var" / "sms" / "outbox.jsonl").read_text().splitlines()
        sent = [json.loads(line) for line in lines]
        return (
            [m for m in sent if m["household_id"] == household][-1]["text"].split("评价码:")[1].split(",")[0]
        )

    resend = f"/visits/{visits[1]['id']}/rating-code"
    r = req("POST", resend, "member")
    assert r.status_code == 200, r.text
    assert r.json() == {"visit_id": visits[1]["id"], "rating_code_sent": True, "expires_in_days": 7}
    fresh = latest_code(households[1])
    assert fresh != codes[households[1]]
    r = req("POST", "/ratings", None, json={"code": codes[households[1]], "rating": 4})
    assert r.status_code == 422 and r.json()["code"] == "rating_code_invalid"
    assert req("POST", resend, "township").status_code == 403  # only members visit
    r = req("POST", f"/visits/{visits[0]['id']}/rating-code", "member")
    assert r.status_code == 409 and r.json()["code"] == "visit_already_rated"
    assert req("POST", "/visits/999999/rating-code", "member").status_code == 404
    assert [req("POST", resend, "member").status_code for _ in range(3)] == [200, 200, 429]
    assert (
        req("POST", "/ratings", None, json={"code": latest_code(households[1]), "rating": 4}).status_code
        == 200
    )

    quick, by_hand, by_deadline = (v["matter_ids"][0] for v in visits)

    # -- quick handling at grid level -------------------------------------------------
    r = req("POST", f"/matters/{quick}/resolve", "member", json={"note": "  "})
    assert r.status_code == 422 and r.json()["errors"] == {"note": ["请写明办理结果"]}, r.text
    r = req("POST", f"/matters/{quick}/resolve", "member", json={"note": "已联系电工修好路灯"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["level"] == "grid"
    r = req("POST", f"/matters/{quick}/resolve", "member", json={})
    assert r.status_code == 409 and "已办结" in r.json()["title"]

    # -- by hand: grid → village → township platform → department ---------------------
    assert req("POST", f"/matters/{by_hand}/escalate", "dept", json={}).status_code in (403, 404)
    r = req("POST", f"/matters/{by_hand}/escalate", "member", json={"note": "需要村里协调"})
    assert r.status_code == 200 and r.json()["level"] == "village"
    assert r.json()["handler_id"] == me["secretary"]["id"]
    waiting = req("GET", "/matters", "secretary", params={"mine": "true"}).json()["items"]
    assert by_hand in [m["id"] for m in waiting]
    assert req("POST", f"/matters/{by_hand}/escalate", "member", json={}).status_code == 403
    r = req("POST", f"/matters/{by_hand}/escalate", "secretary", json={"note": "村里无法解决,报乡镇四平台"})
    assert r.status_code == 200 and r.json()["level"] == "department" and r.json()["department_id"] is None
    dept_id = me["dept"]["department_id"]
    assert req("POST", f"/matters/{by_hand}/take", "dept", json={}).status_code in (404, 409)
    assert (
        req("POST", f"/matters/{by_hand}/dispatch", "township2", json={"department_id": dept_id}).status_code
        == 404
    )
    r = req(
        "POST",
        f"/matters/{by_hand}/dispatch",
        "township",
        json={"department_id": dept_id, "note": "请住建局处理"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["department_id"] == dept_id and r.json()["status"] == "open"
    title = r.json()["title"]
    deadline = time.monotonic() + 20
    while True:  # every staff member of the department is told of the order
        told = [
            i
            for i in req("GET", "/inbox", "dept", params={"per_page": 100}).json()["items"]
            if i["title"] == f"点兵点将:{title}"
        ]
        if told or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert len(told) == 1 and told[0]["ref"] == {"kind": "matter", "id": by_hand, "key": str(by_hand)}
    assert req("POST", f"/matters/{by_hand}/resolve", "dept", json={}).status_code == 409  # 接单 first
    assert req("POST", f"/matters/{by_hand}/take", "dept", json={}).json()["status"] == "taken"
    r = req("POST", f"/matters/{by_hand}/resolve", "dept", json={"note": "已清淤"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    detail = req("GET", f"/matters/{by_hand}", "township").json()
    assert [e["action"] for e in detail["ledger"]] == [
        "reported",
        "escalated",
        "escalated",
        "dispatched",
        "taken",
        "resolved",
    ]

    # -- by deadline: the check with a future time climbs it, twice -------------------
    assert req("POST", "/matters/check-deadlines", "township", json={}).status_code == 403
    later = (datetime.now(UTC) + timedelta(days=2, hours=1)).isoformat()
    r = req("POST", "/matters/check-deadlines", "admin", json={"now": later})
    assert r.status_code == 200, r.text
    assert r.json()["escalated"] == [by_deadline] and len(r.json()["alerts"]) == 1
    assert req("GET", f"/matters/{by_deadline}", "secretary").json()["level"] == "village"
    again = req("POST", "/matters/check-deadlines", "admin", json={"now": later}).json()
    assert again == {"escalated": [], "alerts": []}
    much_later = (datetime.now(UTC) + timedelta(days=5, hours=2)).isoformat()
    r = req("POST", "/matters/check-deadlines", "admin", json={"now": much_later})
    assert r.json()["escalated"] == [by_deadline]
    m = req("GET", f"/matters/{by_deadline}", "township").json()
    assert m["level"] == "department" and m["ledger"][-1]["note"].startswith("超过")
    req("POST", f"/matters/{by_deadline}/dispatch", "township", json={"department_id": dept_id})
    req("POST", f"/matters/{by_deadline}/take", "dept", json={})
    r = req("POST", f"/matters/{by_deadline}/resolve", "dept", json={"note": "已修缮村道"})
    assert r.json()["status"] == "resolved"
    alerts = req("GET", "/alerts", "secretary", params={"kind": "matter_overdue"}).json()["items"]
    assert {a["subject_id"] for a in alerts} == {by_deadline}

    # -- mailbox: a resident's photo lands at their grid's worker ---------------------
    r = req("POST", "/attachments", "resident", files={"file": ("photo.png", PNG, "image/png")})
    pic = r.json()
    r = req(
        "POST",
        "/mailbox",
        "resident",
        json={"kind": "photo", "text": "垃圾桶满了", "attachment_ids": [pic["id"]]},
    )
    assert r.status_code == 201, r.text
    letter = r.json()
    assert letter["grid_id"] == me["resident"]["org_unit_id"] == me["gridworker"]["org_unit_id"]
    assert letter["handler_id"] == me["gridworker"]["id"]
    assert req("POST", "/mailbox", "resident", json={"kind": "photo", "text": "无图"}).status_code == 422
    waiting = req("GET", "/matters", "gridworker", params={"mine": "true", "source": "mailbox"}).json()[
        "items"
    ]
    assert [m["id"] for m in waiting] == [letter["matter_id"]]
    got = req("GET", f"/attachments/{pic['id']}", "gridworker")
    assert got.status_code == 200 and got.content == PNG and got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Disposition"] == 'inline; filename="photo.png"'  # photos may show
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'none'"
    r = req("POST", "/attachments", "resident", files={"file": ("会议记录.pdf", PDF, "text/html")})
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf", r.text
    got = req("GET", f"/attachments/{r.json()['id']}", "gridworker")
    assert got.content == PDF and got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95.pdf"
    )
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'none'"
    assert req("GET", f"/attachments/{pic['id']}", "township2").status_code == 404
    assert req("GET", f"/matters/{letter['matter_id']}", "township2").status_code == 404
    req("POST", f"/matters/{letter['matter_id']}/resolve", "gridworker", json={"note": "已清运"})
    r = req("POST", f"/matters/{letter['matter_id']}/rate", "resident", json={"rating": 4})
    assert r.status_code == 200 and r.json()["status"] == "rated"
    assert (
        req("POST", f"/matters/{letter['matter_id']}/rate", "resident", json={"rating": 4}).status_code == 409
    )
    r = req(
        "POST",
        "/mailbox/public",
        None,
        json={"grid_id": letter["grid_id"], "phone": "13900001111", "text": "新来的,想了解办事流程"},
    )
    assert r.status_code == 201 and r.json()["handler_id"] == me["gridworker"]["id"]
    public_matter = r.json()["matter_id"]
    # a newcomer can also photograph the problem (拍一拍); a file that is no photo or voice is refused
    r = requests.post(
        base + "/mailbox/public/media",
        data={"grid_id": letter["grid_id"], "phone": "13900002222", "text": "路灯坏了"},
        files={"file": ("lamp.png", PNG)},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    photo_matter = req("GET", f"/matters/{r.json()['matter_id']}", "gridworker").json()
    assert photo_matter["source"] == "mailbox" and photo_matter["attachment_ids"]
    r = requests.post(
        base + "/mailbox/public/media",
        data={"grid_id": letter["grid_id"], "phone": "13900003333"},
        files={"file": ("evil.png", b"MZ\x90\x00not an image")},
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["code"] == "attachment_rejected"

    # -- alerts: the lagging member is told, with their grid worker and secretary -----
    r = req("POST", "/alerts/check", "admin", json={"month": month, "phase": "mid"})
    assert r.status_code == 200, r.text
    assert r.json()["raised"] > 0
    assert req("POST", "/alerts/check", "admin", json={"month": month, "phase": "mid"}).json()["raised"] == 0
    own = req("GET", "/alerts", "member", params={"month": month}).json()["items"]
    visit_alert = next(a for a in own if a["kind"] == "low_visit_rate")
    assert visit_alert["subject_id"] == me["member"]["id"]
    assert {me["member"]["id"], me["gridworker"]["id"], me["secretary"]["id"]} <= set(
        visit_alert["person_ids"]
    )
    assert "走访率" in visit_alert["message"] and me["member"]["name"] in visit_alert["message"]

    # each person is told once for this check: one inbox item naming what lags, by name and rate
    def alerts_in_inbox(user, expected):
        deadline = time.monotonic() + 20
        while True:
            items = req("GET", "/inbox", user, params={"kind": "alert", "per_page": 100}).json()["items"]
            mine = [i for i in items if i["event_type"] == "grassroots.tasks.alert_digest.issued.v1"]
            if len(mine) >= expected or time.monotonic() > deadline:
                return mine

    [told] = alerts_in_inbox("member", 1)
    assert told["title"].startswith(f"{month} 月中预警：") and "走访率" in told["title"]
    assert me["member"]["name"] in told["body"] and "%" in told["body"]
    assert told["ref"]["kind"] == "alert" and told["ref"]["id"] == visit_alert["id"]
    [digest] = alerts_in_inbox("secretary", 1)
    lines = digest["body"].splitlines()
    assert len(lines) >= 2 and len(lines) == len(set(lines))  # one line per lagging subject
    assert me["member"]["name"] in digest["body"]
    assert all(a["subject_id"] == me["member"]["id"] for a in own)
    assert req("GET", "/alerts", "township2", params={"month": month}).json()["items"]
    assert not any(
        a["subject_kind"] == "member" and a["subject_id"] == me["member"]["id"]
        for a in req("GET", "/alerts", "township2", params={"month": month, "per_page": 200}).json()["items"]
    )

    # -- statistics match what was done ------------------------------------------------
    grid = me["gridworker"]["org_unit_id"]
    r = req("GET", "/stats/fieldwork", "township", params={"month": month, "org_unit_id": grid})
    assert r.status_code == 200, r.text
    t = r.json()["totals"]
    assert (
        t["visited"] == 3 and t["ratings"] == 2 and t["satisfaction"] == 4.5
    )  # 5, and 4 with the re-sent code
    # the newcomer's note and photo are still open
    assert t["matters_reported"] == 6 and t["matters_resolved"] == 4
    assert (
        t["hard_matters"] == 2 and t["hard_matters_resolved"] == 2 and t["hard_matter_completion_rate"] == 1.0
    )
    assert t["department_dispatches"] == 2 and t["department_dispatches_resolved"] == 2
    assert (
        t["completion_rate"] == round(4 / 6, 4)
        and t["avg_days_to_close"] is not None
        and t["matter_satisfaction"] == 4.0
    )
    r = req("GET", "/stats/fieldwork", "township", params={"month": month, "by": "village"})
    county = req("GET", "/stats/fieldwork", "admin", params={"month": month, "by": "township"}).json()
    assert county["level"] == "county" and county["totals"]["visited"] == 3
    assert sum(b["list_items"] for b in county["breakdown"]) == first["total_items"] + 1  # the mid-month link
    village = next(b for b in r.json()["breakdown"] if b["matters_reported"])
    assert village["org_unit_id"] == me["secretary"]["org_unit_id"] and village["visited"] == 3
    assert req("GET", "/stats/fieldwork", "member", params={"month": month}).status_code == 403
    r = req("GET", "/stats/fieldwork", "township2", params={"month": month, "org_unit_id": grid})
    assert r.status_code == 403

    # -- roles see only their own -----------------------------------------------------
    assert req("GET", "/matters", "township2").json()["meta"]["total"] == 0
    dept_sees = {m["id"] for m in req("GET", "/matters", "dept").json()["items"]}
    assert dept_sees == {by_hand, by_deadline}
    resident_sees = {m["id"] for m in req("GET", "/matters", "resident").json()["items"]}
    assert resident_sees == {letter["matter_id"]}
    member_sees = {m["id"] for m in req("GET", "/matters", "member").json()["items"]}
    assert member_sees == {quick, by_hand, by_deadline}
    assert public_matter in {m["id"] for m in req("GET", "/matters", "gridworker").json()["items"]}
    assert req("GET", "/visits", "township2").json()["meta"]["total"] == 0
    assert req("GET", "/visits", "member").json()["meta"]["total"] == 4  # with the return visit
    assert req("POST", "/visits", "gridworker", json={"household_id": households[3]}).status_code == 403
    assert req("POST", "/visits", "member", json={"household_id": 10**7}).status_code == 403
