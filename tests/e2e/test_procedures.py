"""Village procedures, the tamper-evident ledger and the project board through the gateway
(issue 7), against RabbitMQ and PostgreSQL: a full 五议两公开 for a major matter with a
failed quorum returned and fixed, a joint meeting, a tampering attempt caught by direct SQL,
and a project from posting to award."""

import io
import time
from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest
from openpyxl import load_workbook

from tests.e2e.test_taskflow import _api, _ok, _told
from tests.photos import PDF

FILES: dict[str, int] = {}  # the village's uploads that its steps name (evidence must be real)


def _now(**delta) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def _meeting(entitled: int, present: int, votes_for: int, **extra) -> dict:
    return {
        "evidence": {
            "held_at": _now(),
            "minutes": [FILES["minutes"]],
            "attendance": {
                "entitled": entitled,
                "present": present,
                "names": [f"代表{i}" for i in range(present)],
            },
            "votes": {"for": votes_for, "against": present - votes_for, "abstain": 0},
            **extra,
        }
    }


def _notice(days: int, **extra) -> dict:
    return {
        "evidence": {
            "notice": {"posted_at": _now(), "until": _now(days=days), "place": "村务公开栏"},
            "photos": [FILES["photo"]],
            **extra,
        }
    }


def _returned(r, reason: str) -> dict:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "step_returned" and reason in body["errors"]["evidence"], body
    return body


def test_procedures_ledger_chain_and_project_board(platform_pg):
    admin, leader, leader2, secretary, cadre, member = (
        _api(platform_pg, u) for u in ("admin", "township", "township2", "secretary", "cadre", "member")
    )
    _ok(admin.post("/catalogue/seed-default"))
    assert leader.post("/procedure-templates/seed-default").status_code == 403
    assert _ok(admin.post("/procedure-templates/seed-default"))["created"] == 2
    assert _ok(admin.post("/procedure-templates/seed-default")) == {"created": 0, "unchanged": 2}
    templates = {t["code"]: t for t in _ok(secretary.get("/procedure-templates"))}
    assert [s["name"] for s in templates["WYLGK"]["steps"]][:2] == ["党员群众建议", "村党组织提议"]
    assert len(templates["WYLGK"]["steps"]) == 7 and len(templates["LXHY"]["steps"]) == 3

    village1 = secretary.me()["org_unit_id"]
    FILES.update(minutes=secretary.upload(PDF, "会议记录.pdf", "application/pdf"), photo=secretary.upload())
    township = _ok(leader.get("/org/tree"))[0]

    # -- a major matter sent to the village: reviewed, decided collectively, dispatched
    task = _ok(
        leader.post(
            "/tasks",
            {"title": "村集体闲置厂房改建共富工坊", "matter_code": "DJ004", "target_ids": [village1]},
        ),
        201,
    )
    assert task["major"] is True
    _ok(leader.post(f"/tasks/{task['id']}/approve"))
    decision = {
        "meeting_date": date.today().isoformat(),
        "attendees": ["镇党委书记", "分管副镇长"],
        "decision": "同意由村按五议两公开程序决策",
        "minutes": [leader.upload(PDF, "镇会议纪要.pdf", "application/pdf")],
    }
    _ok(leader.post(f"/tasks/{task['id']}/decision", decision), 201)
    _ok(leader.post(f"/tasks/{task['id']}/dispatch"))
    assignment = next(a for a in _ok(secretary.get("/assignments"))["items"] if a["task_id"] == task["id"])
    _ok(secretary.post(f"/assignments/{assignment['id']}/claim"))
    _ok(
        secretary.post(
            f"/assignments/{assignment['id']}/submit",
            {"evidence": {"text": "厂房改建方案已定", "attachments": [FILES["minutes"]]}},
        )
    )
    # a major matter cannot be accepted before its procedure is complete
    r = leader.post(f"/assignments/{assignment['id']}/accept")
    assert r.status_code == 409 and r.json()["code"] == "procedure_required", r.text

    # -- 五议两公开, step by step, in order only
    assert (
        member.post("/procedures", {"template_code": "WYLGK", "assignment_id": assignment["id"]}).status_code
        == 403
    )
    proc = _ok(
        secretary.post("/procedures", {"template_code": "WYLGK", "assignment_id": assignment["id"]}), 201
    )
    pid = proc["id"]
    assert proc["status"] == "running" and proc["steps"][0]["status"] == "open"
    assert (
        secretary.post(
            "/procedures", {"template_code": "WYLGK", "assignment_id": assignment["id"]}
        ).status_code
        == 409
    )
    r = secretary.post(f"/procedures/{pid}/steps/1/complete", _meeting(5, 4, 4))
    assert r.status_code == 409 and r.json()["code"] == "step_out_of_order"
    # 1. proposals: evidence missing is returned, with the reason kept
    _returned(
        secretary.post(f"/procedures/{pid}/steps/0/complete", {"evidence": {"summary": "汇总"}}),
        "evidence_missing",
    )
    proposals = {
        "evidence": {
            "proposals": [
                {"source": "resident", "name": "村民甲", "content": "闲置厂房改建共富工坊"},
                {"source": "member", "name": "党员乙", "content": "引进来料加工"},
            ],
            "summary": "收集党员群众建议 2 条",
        }
    }
    assert _ok(cadre.post(f"/procedures/{pid}/steps/0/complete", proposals))["current_step"] == 1
    # 2. the village party organisation proposes; a cadre may not, and a meeting cannot predate the step
    assert cadre.post(f"/procedures/{pid}/steps/1/complete", _meeting(5, 4, 4)).status_code == 403
    backdated = _meeting(5, 4, 4)
    backdated["evidence"]["held_at"] = _now(days=-2)
    _returned(secretary.post(f"/procedures/{pid}/steps/1/complete", backdated), "backdated")
    _ok(secretary.post(f"/procedures/{pid}/steps/1/complete", _meeting(5, 4, 4)))
    # 3. the joint meeting: a majority of those entitled to vote
    _returned(
        secretary.post(f"/procedures/{pid}/steps/2/complete", _meeting(9, 6, 4)), "majority_not_reached"
    )
    _ok(secretary.post(f"/procedures/{pid}/steps/2/complete", _meeting(9, 6, 5)))
    # 4. the party members' meeting
    _ok(secretary.post(f"/procedures/{pid}/steps/3/complete", _meeting(40, 31, 30, photos=[FILES["photo"]])))
    # 5. the villagers' representatives meeting: the quorum fails, the matter is returned, then fixed
    body = _returned(
        secretary.post(f"/procedures/{pid}/steps/4/complete", _meeting(30, 15, 15, photos=[FILES["photo"]])),
        "quorum_not_met",
    )
    assert "到会人数未达法定比例" in body["title"]
    returned = _ok(secretary.get(f"/procedures/{pid}"))
    assert returned["status"] == "returned" and returned["steps"][4]["status"] == "returned"
    assert returned["return_history"][-1]["reasons"][0]["code"] == "quorum_not_met"
    _ok(secretary.post(f"/procedures/{pid}/steps/4/complete", _meeting(30, 21, 15, photos=[FILES["photo"]])))
    # 6./7. the resolution and the result made public, each for at least 5 days
    _returned(secretary.post(f"/procedures/{pid}/steps/5/complete", _notice(3)), "notice_too_short")
    _ok(cadre.post(f"/procedures/{pid}/steps/5/complete", _notice(7)))
    done = _ok(cadre.post(f"/procedures/{pid}/steps/6/complete", _notice(5, summary="工坊已建成投用")))
    assert done["status"] == "completed" and done["returns"] == 5 and done["days"] is not None
    assert secretary.post(f"/procedures/{pid}/steps/6/complete", _notice(5)).status_code == 409
    assert leader2.get(f"/procedures/{pid}").status_code == 404
    assert _ok(leader.post(f"/assignments/{assignment['id']}/accept"))["status"] == "accepted"

    # -- a joint meeting (村务联席会议) for a village matter without a task
    joint = _ok(
        secretary.post(
            "/procedures", {"template_code": "LXHY", "village_id": village1, "title": "村道路灯维护经费"}
        ),
        201,
    )
    jid = joint["id"]
    topics = {"evidence": {"proposals": [{"source": "cadre", "content": "路灯维护"}], "summary": "议题 1 项"}}
    _ok(secretary.post(f"/procedures/{jid}/steps/0/complete", topics))
    _ok(secretary.post(f"/procedures/{jid}/steps/1/complete", _meeting(11, 9, 7, photos=[FILES["photo"]])))
    assert _ok(secretary.post(f"/procedures/{jid}/steps/2/complete", _notice(3)))["status"] == "completed"

    # -- statistics
    stats = _ok(leader.get("/stats/procedures"))
    assert stats["procedures_started"] == 2 and stats["procedures_completed"] == 2
    assert stats["steps_returned"] == 5
    reasons = {row["key"]: row["count"] for row in stats["returns_by_reason"]}
    assert reasons == {
        "evidence_missing": 1,
        "backdated": 1,
        "majority_not_reached": 1,
        "quorum_not_met": 1,
        "notice_too_short": 1,
    }
    assert {row["key"] for row in stats["returns_by_step"]} >= {"WYLGK.villagers_meeting"}
    assert _ok(leader2.get("/stats/procedures"))["procedures_started"] == 0
    assert member.get("/stats/procedures").status_code == 403

    # -- the chains are intact; a village's chained ledger exports with its hashes
    report = _ok(leader.get("/ledger-chain/verify"))
    assert report["ok"] is True and report["rows"] > 20 and report["first_broken"] is None, report
    r = secretary.get("/ledger-chain/export", params={"ledger": "pr", "village_id": village1})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("前一哈希", "本条哈希") and len(rows) > 10
    assert rows[1][-2] == "0" * 64 and rows[2][-2] == rows[1][-1]
    assert member.get("/ledger-chain/verify").status_code == 403

    # -- tampering: a row edited directly in the database is caught at its first broken link
    conn = psycopg2.connect(platform_pg.env["TASKS_DATABASE_URL"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id FROM pr_ledger WHERE action = 'step_returned' AND chain LIKE %s ORDER BY chain_seq LIMIT 1",
            (f"%/{village1}/",),
        )
        (forged_id,) = cur.fetchone()
        with pytest.raises(psycopg2.errors.RaiseException):  # the ledgers are append-only
            cur.execute("UPDATE pr_ledger SET detail = '{}' WHERE id = %s", (forged_id,))
        # a DBA with the owner's rights turns the guard off: the chain still catches the edit
        cur.execute("ALTER TABLE pr_ledger DISABLE TRIGGER pr_ledger_no_change")
        cur.execute("ALTER TABLE tf_ledger DISABLE TRIGGER tf_ledger_no_change")
        cur.execute("UPDATE pr_ledger SET detail = '{\"reasons\": []}' WHERE id = %s", (forged_id,))
        cur.execute(
            "SELECT id FROM tf_ledger WHERE action = 'accept' AND assignment_id = %s", (assignment["id"],)
        )
        (accept_id,) = cur.fetchone()
        cur.execute(
            "UPDATE tf_ledger SET actor_name = '伪造', content = replace(content, %s, '伪造') WHERE id = %s",
            (leader.me()["name"], accept_id),
        )
    conn.close()
    report = _ok(leader.get("/ledger-chain/verify", params={"village_id": village1}))
    assert report["ok"] is False
    found = {(b["ledger"], b["id"]): b["reason"] for b in report["broken"]}
    assert found[("pr", forged_id)] == "content_mismatch"
    assert found[("tf", accept_id)] == "hash_mismatch"
    assert _ok(leader.get("/ledger-chain/verify", params={"ledger": "pr"}))["first_broken"]["id"] == forged_id

    # -- the project board (揭榜): posted, bid until the deadline, compared, awarded, a task for the winner
    project_body = {
        "title": "儿童照护驿站建设",
        "description": "暑期少年儿童托育托管,建设儿童照护驿站一处",
        "budget": 300000,
        "criteria": ["场地条件", "村集体配套", "群众需求"],
        "matter_code": "NY006",
        "deadline": _now(seconds=4),
    }
    assert secretary.post("/projects", project_body).status_code == 403
    assert leader.post("/projects", {**project_body, "deadline": _now(seconds=-60)}).status_code == 422
    project = _ok(leader.post("/projects", project_body), 201)
    assert project["bidding_open"] is True and project["township_id"] == township["id"]
    assert _ok(secretary.get("/projects"))["meta"]["total"] == 1
    assert _ok(leader2.get("/projects"))["meta"]["total"] == 0
    bid = _ok(
        secretary.post(
            f"/projects/{project['id']}/bids",
            {"case": "本村有闲置村委会二楼 200 平方米,留守儿童 60 余名", "attachments": [FILES["photo"]]},
        ),
        201,
    )
    r = leader.post(f"/projects/{project['id']}/award", {"bid_id": bid["id"], "reason": "场地最优"})
    assert r.status_code == 409  # bidding still open
    while datetime.now(UTC) <= datetime.fromisoformat(project["deadline"]):
        time.sleep(0.5)
    r = secretary.post(f"/projects/{project['id']}/bids", {"case": "补充材料"})
    assert r.status_code == 409 and r.json()["code"] == "bidding_closed"
    r = leader.post(f"/projects/{project['id']}/award", {"bid_id": bid["id"], "reason": "场地最优"})
    assert r.status_code == 409 and r.json()["code"] == "decision_required"  # NY006 is a major matter
    award = {
        "bid_id": bid["id"],
        "reason": "场地条件最优、需求最迫切",
        "decision": {k: decision[k] for k in ("meeting_date", "attendees", "minutes")},
    }
    assert leader2.post(f"/projects/{project['id']}/award", award).status_code == 404
    awarded = _ok(leader.post(f"/projects/{project['id']}/award", award))
    assert awarded["status"] == "awarded" and awarded["awarded_village_id"] == village1
    assert awarded["bids"][0]["status"] == "won"
    won = _told(secretary, "揭榜中标:儿童照护驿站建设")  # the bidder is told, with what to open
    assert won["kind"] == "project" and won["ref"]["kind"] == "project" and won["ref"]["id"] == project["id"]
    assert award["reason"] in won["body"]
    public = _ok(secretary.get(f"/projects/{project['id']}"))
    assert public["award_reason"] == award["reason"] and len(public["bids"]) == 1
    new_task = _ok(leader.get(f"/tasks/{awarded['task_id']}"))
    assert new_task["status"] == "dispatched" and new_task["matter_code"] == "NY006"
    assert any(a["task_id"] == awarded["task_id"] for a in _ok(secretary.get("/assignments"))["items"])
    stats = _ok(leader.get("/stats/procedures"))
    assert (stats["projects_posted"], stats["projects_awarded"], stats["bids"]) == (1, 1, 1)

    conn = psycopg2.connect(platform_pg.env["TASKS_DATABASE_URL"])
    with conn.cursor() as cur:
        cur.execute("SELECT type, count(*) FROM outbox WHERE type LIKE 'grassroots.tasks.p%%' GROUP BY type")
        types = {t.split(".", 2)[2].rsplit(".", 1)[0]: n for t, n in cur.fetchall()}
    conn.close()
    assert types["procedure.started"] == 2 and types["procedure.completed"] == 2
    assert types["procedure.step_returned"] == 5
    assert types["project.posted"] == types["project.bid_submitted"] == types["project.awarded"] == 1
