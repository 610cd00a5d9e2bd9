"""Tasks sent down to villages, through the gateway as each role: catalogue, screening,
review, collective decision, dispatch to a whole township, assignments, evidence, the
ledger and statistics (issue 3), against RabbitMQ and PostgreSQL."""

import io
import time
from datetime import UTC, date, datetime, timedelta

import psycopg2
import requests
from openpyxl import Workbook, load_workbook

from services.tasks.taskflow.domain import local_month
from services.tasks.taskflow.queries import XLSX_HEADERS
from tests.photos import PDF, jpeg


def _api(platform, who):
    headers = platform.login(who)
    base = platform.base_url + "/api/v1"

    class Client:
        def en(self, method, path, json=None):
            """The same call, answered in English."""
            return requests.request(
                method, base + path, headers={**headers, "Accept-Language": "en"}, json=json, timeout=30
            )

        def get(self, path, **kw):
            return requests.get(base + path, headers=headers, timeout=30, **kw)

        def post(self, path, json=None, **kw):
            return requests.post(
                base + path, headers=headers, json=json if json is not None else {}, timeout=30, **kw
            )

        def uploaded(self, content=None, name="现场.jpg", kind="image/jpeg") -> dict:
            """A file uploaded as this person, as the platform answers it."""
            files = {"file": (name, content if content is not None else jpeg(), kind)}
            r = requests.post(base + "/attachments", headers=headers, files=files, timeout=30)
            assert r.status_code == 201, r.text
            return r.json()

        def upload(self, content=None, name="现场.jpg", kind="image/jpeg") -> int:
            """The id of a file uploaded as this person: evidence names it so."""
            return self.uploaded(content, name, kind)["id"]

        def patch(self, path, json):
            return requests.patch(base + path, headers=headers, json=json, timeout=30)

        def me(self):
            return self.get("/me").json()

    return Client()


def _told(client, title, seconds=20):
    """The inbox item with this title, once notify has put it there."""
    deadline = time.monotonic() + seconds
    while True:
        items = _ok(client.get("/inbox", params={"per_page": 100}))["items"]
        found = [i for i in items if i["title"] == title]
        if found or time.monotonic() > deadline:
            assert len(found) == 1, (title, [i["title"] for i in items])
            return found[0]
        time.sleep(0.3)


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def _catalogue_xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(XLSX_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_taskflow_through_the_gateway(platform_pg):
    admin, dept, leader, leader2 = (_api(platform_pg, u) for u in ("admin", "dept", "township", "township2"))
    secretary, gridworker, cadre, member = (
        _api(platform_pg, u) for u in ("secretary", "gridworker", "cadre", "member")
    )

    # -- catalogue: default load (idempotent), import with a new matter, a new version, a retirement
    assert dept.post("/catalogue/seed-default").status_code == 403
    assert _ok(admin.post("/catalogue/seed-default"))["created"] >= 60
    assert _ok(admin.post("/catalogue/seed-default"))["created"] == 0
    exported = admin.get("/catalogue/export")
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in sheet[1]] == XLSX_HEADERS and sheet.max_row >= 61
    upload = _catalogue_xlsx(
        [
            [
                "ZZ001",
                "村级网格化服务信息更新",
                "其他",
                "村、网格",
                "县委社会工作部",
                5,
                "否",
                "文字说明",
                "网格 信息 更新",
                "",
                "在用",
            ],
            [
                "RJ002",
                "垃圾分类宣传与督导",
                "人居环境",
                "村、网格",
                "县综合行政执法局",
                10,
                "否",
                "文字说明、照片",
                "垃圾分类",
                "",
                "在用",
            ],
            [
                "TJ003",
                "农业普查数据采集",
                "统计普查",
                "村、网格",
                "县统计局",
                30,
                "否",
                "文字说明、附件",
                "",
                "",
                "停用",
            ],
        ]
    )
    files = {
        "file": (
            "catalogue.xlsx",
            upload,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }
    assert dept.post("/catalogue/import", files=files, json=None).status_code == 403
    report = _ok(admin.post("/catalogue/import", files=files, json=None))
    assert report == {"created": 1, "updated": 1, "retired": 1, "unchanged": 0}
    detail = _ok(admin.get("/catalogue/RJ002"))
    assert detail["version"] == 2 and detail["default_days"] == 10 and len(detail["versions"]) == 2
    bad = _catalogue_xlsx([["", "无编码", "", "县", "", "abc", "也许", "", "", "", ""]])
    r = admin.post("/catalogue/import", files={"file": ("bad.xlsx", bad)}, json=None)
    assert r.status_code == 422 and r.json()["code"] == "import_invalid"

    # -- the places
    township = _ok(leader.get("/org/tree"))[0]
    villages = township["children"]
    village1 = next(v for v in villages if v["id"] == secretary.me()["org_unit_id"])
    grid1_id = gridworker.me()["org_unit_id"]
    township2 = _ok(leader2.get("/org/tree"))[0]
    gridworker_id = gridworker.me()["id"]

    # -- screening: accepted, each rejection reason, and suggestions for a task without a code
    deadline = (date.today() + timedelta(days=10)).isoformat()
    fraud = _ok(
        dept.post(
            "/tasks",
            {
                "title": "开展反诈宣传进村入户",
                "content": "请各村组织反诈宣传",
                "matter_code": "PA001",
                "target_ids": [township["id"]],
                "deadline": deadline,
            },
        ),
        201,
    )
    assert fraud["status"] == "pending_review" and fraud["matter_version"] == 1

    def rejected(code, targets, reason, title=None):
        body = {"title": title or f"驳回测试 {code}", "matter_code": code, "target_ids": targets}
        task = _ok(dept.post("/tasks", body), 201)
        assert (task["status"], task["reject_reason"]) == ("rejected", reason), task
        assert task["reject_reason_label"]
        return task

    rejected("XX999", [township["id"]], "unknown_code")
    rejected("TJ003", [village1["id"]], "retired_code")
    rejected("QT002", [village1["id"]], "level_not_allowed")
    rejected("PA001", [township["id"]], "duplicate")
    # 多头派单 at every level: a village inside the township-wide task is the same work
    overlap = rejected("PA001", [village1["id"]], "duplicate", "请本村开展反诈宣传")
    assert overlap["overlaps"] == [
        {"task_id": fraud["id"], "title": fraud["title"], "places": [township["name"]]}
    ]
    assert f"“{fraud['title']}”(编号 {fraud['id']}" in overlap["reject_reason_label"]
    told = _told(dept, f"任务未通过过筛:{overlap['title']}")  # the sender is told which task
    assert f"编号 {fraud['id']}" in told["body"]

    uncoded = _ok(
        dept.post("/tasks", {"title": "请各村开展防范电信网络诈骗宣传活动", "target_ids": [village1["id"]]}),
        201,
    )
    assert uncoded["status"] == "needs_code" and 1 <= len(uncoded["suggestions"]) <= 3
    assert uncoded["suggestions"][0]["code"] == "PA001" and uncoded["no_match"] is False
    waste = _ok(dept.post(f"/tasks/{uncoded['id']}/code", {"matter_code": "RJ002"}))
    assert waste["status"] == "pending_review" and waste["matter_version"] == 2
    assert dept.post(f"/tasks/{uncoded['id']}/code", {"matter_code": "RJ002"}).status_code == 409

    project = _ok(
        dept.post(
            "/tasks",
            {
                "title": "村道硬化工程实施",
                "matter_code": "NY007",
                "target_ids": [village1["id"]],
                "deadline": deadline,
            },
        ),
        201,
    )
    assert project["major"] is True

    r = dept.post("/tasks", {"title": "x", "matter_code": "PA001", "target_ids": []})
    assert r.status_code == 422
    assert (
        member.post(
            "/tasks", {"title": "x", "matter_code": "PA001", "target_ids": [village1["id"]]}
        ).status_code
        == 403
    )

    # -- review: only the leader in charge; the other township sees nothing of it
    assert _ok(leader2.get("/tasks"))["meta"]["total"] == 0
    assert leader2.post(f"/tasks/{fraud['id']}/approve").status_code == 404
    assert dept.post(f"/tasks/{fraud['id']}/approve").status_code == 403
    pending = _ok(leader.get("/tasks", params={"status": "pending_review"}))
    assert {t["id"] for t in pending["items"]} == {fraud["id"], waste["id"], project["id"]}
    assert pending["counts"]["rejected"] == 5
    by_matter = _ok(leader.get("/tasks", params={"matter_code": "PA001"}))  # counts follow the filter
    assert by_matter["counts"] == {"pending_review": 1, "rejected": 2}
    assert sum(by_matter["counts"].values()) == by_matter["meta"]["total"] == 3
    assert leader.post(f"/tasks/{fraud['id']}/dispatch").status_code == 409  # not approved yet
    _ok(leader.post(f"/tasks/{fraud['id']}/approve"))
    assert leader.post(f"/tasks/{fraud['id']}/approve").status_code == 409
    r = leader.en("POST", f"/tasks/{fraud['id']}/approve")  # a domain conflict in English too
    assert (r.status_code, r.json()["code"]) == (409, "conflict")
    assert r.json()["title"] == "The task is approved: it cannot be approved"
    assert r.headers["Content-Language"] == "en"
    edited = _ok(leader.patch(f"/tasks/{fraud['id']}", {"deadline": deadline}))
    assert edited["deadline"] == deadline

    dispatched = _ok(leader.post(f"/tasks/{fraud['id']}/dispatch", {"org_unit_id": township["id"]}))
    assert dispatched["status"] == "dispatched"
    assert dispatched["assignments"] == {"dispatched": len(villages)}

    returned = _ok(leader.post(f"/tasks/{waste['id']}/return", {"reason": "本月已统一部署,无需重复下派"}))
    assert returned["status"] == "returned" and returned["review_reason"]
    assert leader.post(f"/tasks/{waste['id']}/approve").status_code == 409

    # -- the next person is told: the leader of a task awaiting review, the sender of a return
    review = _told(leader, "待审核任务:开展反诈宣传进村入户")
    assert review["kind"] == "review" and review["ref"] == {
        "kind": "task",
        "id": fraud["id"],
        "key": str(fraud["id"]),
    }
    back_to_sender = _told(dept, f"任务被退回:{waste['title']}")
    assert (
        "本月已统一部署,无需重复下派" in back_to_sender["body"] and back_to_sender["ref"]["id"] == waste["id"]
    )
    assert not [
        i for i in _ok(leader2.get("/inbox", params={"per_page": 100}))["items"] if i["kind"] == "review"
    ]

    _ok(leader.post(f"/tasks/{project['id']}/approve"))
    r = leader.post(f"/tasks/{project['id']}/dispatch")
    assert r.status_code == 409 and r.json()["code"] == "decision_required"
    decision = {
        "meeting_date": date.today().isoformat(),
        "attendees": ["镇党委书记", "分管副镇长", "村党组织书记"],
        "decision": "同意实施村道硬化工程",
        "minutes": [leader.upload(PDF, "会议记录.pdf", "application/pdf"), leader.upload(name="签到.jpg")],
    }
    assert leader.post(f"/tasks/{project['id']}/decision", {**decision, "attendees": []}).status_code == 422
    assert _ok(leader.post(f"/tasks/{project['id']}/decision", decision), 201)["decision"]["decision"]
    _ok(leader.post(f"/tasks/{project['id']}/dispatch"))

    # -- my tasks: each role sees only its own
    mine = _ok(secretary.get("/assignments"))
    assert {a["task_id"] for a in mine["items"]} == {fraud["id"], project["id"]}
    assert {a["village_id"] for a in mine["items"]} == {village1["id"]}
    assert mine["counts"] == {"dispatched": 2} and mine["meta"]["total"] == 2
    assert all(a["evidence_required"] for a in mine["items"])  # each with its matter's evidence
    second = _ok(secretary.get("/assignments", params={"per_page": 1, "page": 2}))
    assert second["meta"]["total"] == 2 and [a["id"] for a in second["items"]] == [mine["items"][1]["id"]]
    beyond = _ok(secretary.get("/assignments", params={"page": 9}))
    assert beyond["items"] == [] and beyond["meta"]["total"] == 2
    accepted = _ok(secretary.get("/assignments", params={"status": "accepted"}))
    assert accepted["meta"]["total"] == 0 and accepted["counts"] == {"dispatched": 2}
    assert _ok(leader2.get("/assignments"))["meta"]["total"] == 0
    assert _ok(leader.get("/assignments", params={"task_id": fraud["id"]}))["meta"]["total"] == len(villages)
    assert _ok(dept.get("/assignments"))["meta"]["total"] == len(villages) + 1
    assert member.get("/assignments").status_code == 403
    assert _ok(gridworker.get("/assignments"))["meta"]["total"] == 0  # still at village level
    fraud_a = next(a for a in mine["items"] if a["task_id"] == fraud["id"])
    project_a = next(a for a in mine["items"] if a["task_id"] == project["id"])
    assert gridworker.post(f"/assignments/{fraud_a['id']}/claim").status_code == 404

    # -- the village passes it to a grid worker, who claims, submits (without, then with evidence)
    assigned = _ok(
        secretary.post(
            f"/assignments/{fraud_a['id']}/assign", {"grid_id": grid1_id, "assignee_id": gridworker_id}
        )
    )
    assert assigned["status"] == "assigned" and assigned["grid_id"] == grid1_id
    assert _ok(gridworker.get("/assignments"))["meta"]["total"] == 1
    assert cadre.post(f"/assignments/{fraud_a['id']}/claim").status_code == 409  # given to someone else
    evidence = {"text": "已在文化礼堂开展反诈宣传,发放资料200份", "photos": [gridworker.upload()]}
    r = gridworker.post(f"/assignments/{fraud_a['id']}/submit", {"evidence": evidence})
    assert r.status_code == 409  # not claimed yet
    _ok(gridworker.post(f"/assignments/{fraud_a['id']}/claim"))
    r = gridworker.post(f"/assignments/{fraud_a['id']}/submit", {"evidence": {"text": "已宣传"}})
    assert (
        r.status_code == 422
        and r.json()["code"] == "evidence_missing"
        and "photo" in r.json()["errors"]["evidence"]
    )
    assert dept.post(f"/assignments/{fraud_a['id']}/accept").status_code == 409  # nothing submitted
    _ok(gridworker.post(f"/assignments/{fraud_a['id']}/submit", {"evidence": evidence}))
    assert gridworker.post(f"/assignments/{fraud_a['id']}/submit", {"evidence": evidence}).status_code == 409
    assert gridworker.post(f"/assignments/{fraud_a['id']}/accept").status_code == 403
    back = _ok(dept.post(f"/assignments/{fraud_a['id']}/return", {"reason": "照片不清晰,请补充现场照片"}))
    assert back["status"] == "returned" and back["return_reason"]
    _ok(
        gridworker.post(
            f"/assignments/{fraud_a['id']}/submit",
            {"evidence": {**evidence, "photos": [gridworker.upload()]}},
        )
    )
    done = _ok(dept.post(f"/assignments/{fraud_a['id']}/accept"))
    assert done["status"] == "accepted"

    # the major project: claimed by the secretary at village level, needs all four kinds of evidence
    _ok(secretary.post(f"/assignments/{project_a['id']}/claim"))
    _ok(secretary.post(f"/assignments/{project_a['id']}/start"))
    full = {
        "text": "工程已完工并验收",
        "photos": [secretary.upload()],
        "attachments": [secretary.upload(PDF, "验收单.pdf", "application/pdf")],
        "location": {"lat": 29.0, "lng": 118.9, "address": "村口"},
    }
    r = secretary.post(f"/assignments/{project_a['id']}/submit", {"evidence": {"text": "已完工"}})
    assert r.status_code == 422
    _ok(secretary.post(f"/assignments/{project_a['id']}/submit", {"evidence": full}))
    assert leader2.post(f"/assignments/{project_a['id']}/accept").status_code == 404
    # a major matter is accepted only after its 五议两公开 procedure (tests/e2e/test_procedures.py runs one)
    refused = leader.post(f"/assignments/{project_a['id']}/accept")
    assert refused.status_code == 409 and refused.json()["code"] == "procedure_required"
    assert _ok(dept.get(f"/tasks/{project['id']}"))["status"] != "done"

    progress = _ok(leader.get("/assignments/progress", params={"task_id": fraud["id"]}))
    assert len(progress) == len(villages)
    row1 = next(p for p in progress if p["village_id"] == village1["id"])
    assert row1["accepted"] == 1 and row1["completion_rate"] == 1.0

    # -- the ledger writes itself; a village's month exports as .xlsx
    month = local_month(datetime.now(UTC))
    entries = _ok(
        secretary.get("/ledger", params={"village_id": village1["id"], "month": month, "per_page": 200})
    )
    actions = [e["action"] for e in entries["items"]]
    for action in ("dispatched", "assign", "claim", "submit", "return", "accept", "start"):
        assert action in actions, actions
    r = secretary.get("/ledger/export", params={"village_id": village1["id"], "month": month})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) - 1 == entries["meta"]["total"]
    outside = leader2.get("/ledger/export", params={"village_id": village1["id"], "month": month})
    assert len(list(load_workbook(io.BytesIO(outside.content)).active.iter_rows())) == 1
    assert _ok(leader2.get("/ledger"))["meta"]["total"] == 0

    # -- statistics match what was done
    stats = _ok(admin.get("/stats/tasks"))
    assert stats["submitted"] == 8 and stats["rejected"] == 5
    assert stats["rejected_by_reason"] == {
        "unknown_code": 1,
        "retired_code": 1,
        "level_not_allowed": 1,
        "duplicate": 2,
    }
    assert stats["received"] == 3 and stats["returned"] == 1
    assert stats["dispatched"] == 2 and stats["assignments"] == len(villages) + 1
    assert stats["completed"] == 1  # the major project waits for its procedure
    assert stats["completion_rate"] == round(1 / (len(villages) + 1), 4)  # a fraction, 0..1
    assert stats["avg_days_to_close"] is not None and stats["previous"]["assignments"] == 0
    assert _ok(leader2.get("/stats/tasks"))["submitted"] == 0
    rejections = _ok(dept.get("/stats/tasks/rejections", params={"since": "2024-01-01"}))
    assert rejections["total"] == 5 and all(row["sender_name"] for row in rejections["rows"])
    assert {row["month"] for row in rejections["rows"]} == {month}
    by_village = _ok(leader.get("/stats/tasks/villages"))
    assert by_village["total"] == len(villages) + 1
    assert next(v for v in by_village["villages"] if v["village_id"] == village1["id"])["count"] == 2
    assert gridworker.get("/stats/tasks").status_code == 403

    # -- the articles' figures for the township this month, as JSON and as a spreadsheet
    figures = _ok(leader.get("/stats/figures", params={"from": month, "to": month}))
    assert figures["place_name"] == township["name"] and figures["org_path"] == township["path"]
    assert (
        figures["tasks_to_villages"]["now"] == len(villages) + 1
        and figures["tasks_to_villages"]["before"] == 0
    )
    assert figures["screening_rejections"] == 5 and figures["tasks_to_villages"]["change"] is None
    assert set(figures["hard_matters"]) == {"now", "before"} and figures["procedures_completed"] == {}
    sheet = load_workbook(
        io.BytesIO(leader.get("/stats/figures/export", params={"from": month}).content)
    ).active
    assert sheet.cell(row=1, column=1).value == "指标"
    assert [r[0].value for r in sheet.iter_rows(min_row=2)][:2] == ["过筛驳回事项(件次)", "下村进社任务(单)"]
    r = leader2.get("/stats/figures", params={"org_unit_id": township["id"]})
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    assert member.get("/stats/figures").status_code == 403
    r = leader.get("/stats/figures", params={"from": "2025-13"})
    assert r.status_code == 422 and "from" in r.json()["errors"]

    # -- deadlines: overdue once, whoever runs the check
    later = (date.today() + timedelta(days=60)).isoformat() + "T00:00:00+08:00"
    assert dept.post("/tasks/check-deadlines", {"now": later}).status_code == 403
    first = _ok(admin.post("/tasks/check-deadlines", {"now": later}))
    assert first["overdue"] == len(villages)  # the unaccepted major project is overdue too
    assert _ok(admin.post("/tasks/check-deadlines", {"now": later}))["overdue"] == 0

    # -- every state change left its event in the outbox, as the catalogue names them
    conn = psycopg2.connect(platform_pg.env["TASKS_DATABASE_URL"])
    with conn.cursor() as cur:
        cur.execute("SELECT type, count(*) FROM outbox GROUP BY type")
        types = {t.split(".", 2)[2].rsplit(".", 1)[0]: n for t, n in cur.fetchall()}
    conn.close()
    assert types["task.rejected"] == 5 and types["task.dispatched"] == 2
    for name in (
        "task.received",
        "task.approved",
        "task.returned",
        "task.updated",
        "task.decision_recorded",
        "assignment.assigned",
        "assignment.claimed",
        "assignment.started",
        "assignment.submitted",
        "assignment.returned",
        "assignment.accepted",
        "assignment.overdue",
        "catalogue.changed",
    ):
        assert name in types, (name, types)
    assert township2["id"] != township["id"]
