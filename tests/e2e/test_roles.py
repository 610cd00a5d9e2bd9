"""Roles as the articles give them (issue 17 part 8), through the gateway on one platform
(PostgreSQL): team cadres dispatch the matters of their team's villages (组团联村, 点兵点将);
the department that took an order, and whoever handles a matter at its level, reach the
requester (and the read is audited); a sender withdraws a task still waiting for its code or
for review; a secretary hands an assignment straight to one of the village's people."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest
import requests

from tests.e2e.test_accounts import changed

_seq = itertools.count(1)


def uid(prefix: str) -> str:
    return f"{prefix}{datetime.now(UTC):%H%M%S}{next(_seq):03d}"


@dataclass
class Client:
    base: str
    headers: dict

    def call(self, method, path, en=False, **kw) -> requests.Response:
        headers = self.headers | ({"Accept-Language": "en"} if en else {})
        return requests.request(method, self.base + path, headers=headers, timeout=30, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json if json is not None else {}, **kw)

    def ok(self, method, path, status=200, **kw) -> dict:
        r = self.call(method, path, **kw)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json()


def refused(r: requests.Response, status: int, code: str) -> dict:
    """A problem answer with its machine code and a Chinese title."""
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["title"] and body["status"] == status, body
    assert r.headers["Content-Type"].startswith("application/problem+json")
    return body


@dataclass
class World:
    platform: object
    who: dict = field(default_factory=dict)
    me: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def told(self, username: str, title: str, seconds: float = 20) -> dict:
        """The inbox item with this title, once notify has put it there."""
        deadline = time.monotonic() + seconds
        while True:
            items = self.who[username].ok("GET", "/inbox", params={"per_page": 200})["items"]
            found = [i for i in items if i["title"] == title]
            if found or time.monotonic() > deadline:
                assert len(found) == 1, (title, [i["title"] for i in items])
                return found[0]
            time.sleep(0.3)

    def code(self, levels=("village", "grid")) -> str:
        """A catalogue matter of its own, so screening finds no other open work on it."""
        code = uid("RL")[:12]
        body = {"code": code, "name": "角色测试事项", "levels": list(levels), "default_days": 5}
        self.who["admin"].ok("POST", "/catalogue", 201, json=body | {"evidence": ["text"]})
        return code

    def department_matter(self, grid: str = "G1", title: str | None = None) -> dict:
        """A matter of that grid escalated by its own people to the township platform."""
        worker, secretary = ("gridworker", "secretary") if grid == "G1" else ("og_worker", "og_secretary")
        body = {"grid_id": self.ids[grid], "title": title or uid("村道塌方")}
        m = self.who[worker].ok("POST", "/matters", 201, json=body)
        self.who[worker].ok("POST", f"/matters/{m['id']}/escalate", json={"note": "网格处理不了"})
        return self.who[secretary].ok("POST", f"/matters/{m['id']}/escalate", json={"note": "需部门处置"})


@pytest.fixture(scope="module")
def world(platform_module) -> World:
    base = platform_module.base_url + "/api/v1"
    w = World(platform_module)
    for name in ("admin", "township", "township2", "dept", "secretary", "cadre", "gridworker", "member"):
        w.who[name] = Client(base, platform_module.login(name))
    w.who["team"] = Client(base, platform_module.login("team"))
    w.who["resident"] = Client(base, platform_module.login("resident"))
    for name, client in w.who.items():
        w.me[name] = client.ok("GET", "/me")
    ids = w.ids
    ids["T1"], ids["V1"], ids["G1"] = (
        w.me[u]["org_unit_id"] for u in ("township", "secretary", "gridworker")
    )
    ids["T2"] = w.me["township2"]["org_unit_id"]
    township = w.who["township"].ok("GET", "/org/tree", params={"depth": 2})[0]
    team_scope = w.me["team"]["scope"]
    assert any(p.endswith(f"/{ids['V1']}/") for p in team_scope), team_scope  # the demo team takes V1
    other = next(
        v for v in township["children"] if not any(v["path"].startswith(p) for p in team_scope)
    )  # a village of the first township that the team does not take
    ids["OV"], ids["OV_name"], ids["OG"] = other["id"], other["name"], other["children"][0]["id"]
    ids["V1_path"] = next(v["path"] for v in township["children"] if v["id"] == ids["V1"])
    departments = w.who["admin"].ok("GET", "/departments")
    platform_of = {d["org_unit_id"]: d["id"] for d in departments}
    ids["platform_T1"], ids["platform_T2"] = platform_of[ids["T1"]], platform_of[ids["T2"]]
    ids["dept"] = w.me["dept"]["department_id"]
    # the other village's own grid worker and secretary, with accounts of their own
    admin = platform_module.login("admin")
    for key, role, place in (
        ("og_worker", "grid_worker", ids["OG"]),
        ("og_secretary", "village_secretary", ids["OV"]),
    ):
        person, _, token = changed(platform_module, admin, roles=(role,), place=place)
        w.who[key] = Client(base, {"Authorization": "Bearer " + token})
        w.me[key] = person
    return w


# -- 1. team cadres and department dispatch (组团联村, 点兵点将) ---------------------------------


def test_team_cadres_dispatch_matters_of_their_teams_villages(world):
    w, ids = world, world.ids
    team, dept = w.who["team"], w.who["dept"]
    m = w.department_matter(title=uid("村口桥梁开裂"))
    assert (m["level"], m["status"], m["department_id"]) == ("department", "open", None)

    # they find it: among what waits for them, and in full with its ledger
    waiting = team.ok("GET", "/matters", params={"mine": "true", "level": "department", "per_page": 200})
    assert m["id"] in [i["id"] for i in waiting["items"]]
    mine = next(i for i in waiting["items"] if i["id"] == m["id"])
    assert mine["level_label"] == "点兵点将(部门)" and mine["village_id"] == ids["V1"]
    detail = team.ok("GET", f"/matters/{m['id']}")
    assert [e["action"] for e in detail["ledger"]] == ["reported", "escalated", "escalated"]

    # the department must serve the place: not another township's platform, nor one that is not there
    body = refused(
        team.post(f"/matters/{m['id']}/dispatch", {"department_id": ids["platform_T2"]}), 403, "out_of_scope"
    )
    assert body["title"] == "超出您的管辖范围"
    r = team.post(f"/matters/{m['id']}/dispatch", {"department_id": 99_999_999})
    assert refused(r, 422, "validation_failed")["errors"] == {"department_id": ["没有这个部门"]}
    assert team.ok("GET", f"/matters/{m['id']}")["department_id"] is None  # nothing changed

    sent = team.ok(
        "POST", f"/matters/{m['id']}/dispatch", json={"department_id": ids["dept"], "note": "住建局处置"}
    )
    assert (sent["department_id"], sent["status"], sent["level"]) == (ids["dept"], "open", "department")
    last = sent["ledger"][-1]
    assert (last["action"], last["actor_id"], last["note"]) == (
        "dispatched",
        w.me["team"]["id"],
        "住建局处置",
    )
    told = w.told("dept", f"点兵点将:{m['title']}")
    assert told["ref"] == {"kind": "matter", "id": m["id"], "key": str(m["id"])}
    taken = dept.ok("POST", f"/matters/{m['id']}/take", json={"note": "已接单"})
    assert taken["status"] == "taken" and taken["handler_id"] == w.me["dept"]["id"]

    # a village of the township outside their team: not theirs to see, so not theirs to dispatch
    outside = w.department_matter("OG", uid("外村水渠"))
    assert outside["village_id"] == ids["OV"]
    assert outside["id"] not in [
        i["id"] for i in team.ok("GET", "/matters", params={"level": "department", "per_page": 200})["items"]
    ]
    refused(team.get(f"/matters/{outside['id']}"), 404, "not_found")
    r = team.post(f"/matters/{outside['id']}/dispatch", {"department_id": ids["platform_T1"]})
    refused(r, 404, "not_found")
    probe = w.who["township"].ok("GET", f"/matters/{outside['id']}")
    assert (probe["department_id"], probe["status"]) == (None, "open")
    # the township leader dispatches it as before
    done = w.who["township"].ok(
        "POST", f"/matters/{outside['id']}/dispatch", json={"department_id": ids["platform_T1"]}
    )
    assert done["department_id"] == ids["platform_T1"]


# -- 2. reaching the requester -----------------------------------------------------------------------


def test_the_department_and_the_handlers_reach_the_requester(world):
    w, ids = world, world.ids
    resident, worker, secretary = w.who["resident"], w.who["gridworker"], w.who["secretary"]
    path = "/matters/{}/requester"
    full_phone = w.who["admin"].ok("GET", f"/people/{w.me['resident']['id']}")["phone"]
    assert len(full_phone) == 11 and "*" not in full_phone

    # a resident's letter with a phone to call back on
    receipt = resident.ok(
        "POST", "/mailbox", 201, json={"kind": "text", "text": "楼道灯坏了", "phone": "13912345678"}
    )
    mid = receipt["matter_id"]
    card = worker.ok("GET", path.format(mid))
    assert card["matter_id"] == mid and card["kind"] == "person"
    assert (card["reporter_id"], card["name"]) == (w.me["resident"]["id"], w.me["resident"]["name"])
    assert card["phone"] == "13912345678"  # the one they left with the letter comes first
    assert card["household_id"] and card["household_name"].endswith("户") and card["address"]
    assert card["place_name"].count(" / ") == 2
    # without one, the person's own phone, in full
    other = resident.ok("POST", "/mailbox", 201, json={"kind": "text", "text": "垃圾桶满了"})["matter_id"]
    assert worker.ok("GET", path.format(other))["phone"] == full_phone

    # at grid level: its handlers only; those who read it but do not handle it get 403, the rest 404
    assert secretary.ok("GET", path.format(mid))["phone"] == "13912345678"
    assert w.who["cadre"].ok("GET", path.format(mid))["phone"] == "13912345678"
    for name in ("township", "team"):
        refused(w.who[name].get(path.format(mid)), 403, "forbidden")
    for name in ("township2", "dept", "member"):
        refused(w.who[name].get(path.format(mid)), 404, "not_found")
    refused(w.who["og_worker"].get(path.format(mid)), 404, "not_found")
    refused(worker.get(path.format(99_999_999)), 404, "not_found")
    en = worker.get(path.format(99_999_999), en=True)
    assert en.status_code == 404 and en.json()["title"] == "matter not found"

    # up the ladder the handlers change with the level
    worker.ok("POST", f"/matters/{mid}/escalate", json={})
    assert secretary.ok("GET", path.format(mid))["name"] == w.me["resident"]["name"]
    refused(worker.get(path.format(mid)), 403, "forbidden")
    secretary.ok("POST", f"/matters/{mid}/escalate", json={})
    refused(secretary.get(path.format(mid)), 403, "forbidden")
    assert w.who["township"].ok("GET", path.format(mid))["phone"] == "13912345678"
    assert w.who["team"].ok("GET", path.format(mid))["phone"] == "13912345678"
    refused(w.who["dept"].get(path.format(mid)), 404, "not_found")  # not sent to it yet
    w.who["team"].ok("POST", f"/matters/{mid}/dispatch", json={"department_id": ids["dept"]})
    card = w.who["dept"].ok("GET", path.format(mid))  # the department that has the order calls back
    assert (card["name"], card["phone"]) == (w.me["resident"]["name"], "13912345678")
    w.who["dept"].ok("POST", f"/matters/{mid}/take", json={})
    assert w.who["dept"].ok("GET", path.format(mid))["phone"] == "13912345678"
    # the department's people outside it still see the number masked in the people directory
    listed = w.who["dept"].ok("GET", f"/people/{w.me['resident']['id']}")
    assert listed["phone"] != full_phone

    # a newcomer's letter: only the phone they left, and the grid it is about
    grid_name = w.who["admin"].ok("GET", f"/org-units/{ids['G1']}")["name"]
    public = requests.post(
        w.platform.base_url + "/api/v1/mailbox/public",
        json={"grid_id": ids["G1"], "phone": "13698765432", "text": "新来的,想问问办居住证"},
        timeout=30,
    )
    assert public.status_code == 201, public.text
    newcomer = worker.ok("GET", path.format(public.json()["matter_id"]))
    assert (newcomer["kind"], newcomer["name"], newcomer["reporter_id"]) == ("newcomer", None, None)
    assert newcomer["phone"] == "13698765432" and newcomer["place_name"].endswith(grid_name)

    # a need raised on a member's visit: the household's head and phone
    w.who["admin"].ok("POST", "/visit-lists/sync")
    household = w.who["member"].ok("GET", "/households", params={"per_page": 1})["items"][0]["id"]
    visit = w.who["member"].ok(
        "POST", "/visits", 201, json={"household_id": household, "needs": [{"title": "屋顶漏雨"}]}
    )
    on_visit = worker.ok("GET", path.format(visit["matter_ids"][0]))
    known = w.who["admin"].ok("GET", f"/households/{household}")
    assert (on_visit["kind"], on_visit["household_id"]) == ("household", household)
    assert (on_visit["name"], on_visit["phone"]) == (known["head_name"], known["phone"])
    assert on_visit["household_name"] == f"{known['head_name']}户" and on_visit["address"] == known["address"]

    # every read of the number is in the audit trail, with who read it
    target = f"GET /api/v1/matters/{mid}/requester"
    deadline, readers = time.monotonic() + 20, set()
    while time.monotonic() < deadline:
        entries = w.who["admin"].ok(
            "GET", "/audit", params={"action": "personal_data.read", "target": target, "per_page": 100}
        )["items"]
        readers = {e["actor_id"] for e in entries}
        if len(entries) >= 8:  # three at grid level, one at village level, four at department level
            break
        time.sleep(0.3)
    expected = {w.me[n]["id"] for n in ("gridworker", "secretary", "cadre", "township", "team", "dept")}
    assert readers == expected, readers
    assert all(e["outcome"] == "ok" and e["detail"]["status"] == 200 for e in entries)
    refusals = w.who["admin"].ok("GET", "/audit", params={"action": "request.refused", "target": target})
    refused_ids = {e["actor_id"] for e in refusals["items"]}
    assert refused_ids >= {w.me[n]["id"] for n in ("township", "team", "gridworker", "secretary")}


# -- 3. the sender withdraws a task -----------------------------------------------------------------


def test_the_sender_withdraws_a_task_still_waiting_for_its_code_or_review(world):
    w, ids = world, world.ids
    dept, leader = w.who["dept"], w.who["township"]
    code = w.code()
    deadline = (date.today() + timedelta(days=10)).isoformat()

    def send(title, matter_code=code, sender=dept):
        body = {"title": title, "target_ids": [ids["V1"]], "deadline": deadline}
        return sender.ok(
            "POST", "/tasks", 201, json=body | ({"matter_code": matter_code} if matter_code else {})
        )

    first = send(uid("入户核查危房"))
    assert first["status"] == "pending_review"
    w.told("township", f"待审核任务:{first['title']}")
    twice = send(uid("再次核查危房"))  # the same matter for the same village: 多头派单
    assert twice["reject_reason"] == "duplicate" and twice["overlaps"][0]["task_id"] == first["id"]

    # only the sender (or a county admin over it); the others are refused or see nothing
    refused(leader.post(f"/tasks/{first['id']}/withdraw", {"reason": "x"}), 403, "forbidden")
    refused(w.who["township2"].post(f"/tasks/{first['id']}/withdraw", {}), 404, "not_found")
    for name in ("secretary", "team"):  # no sender role: refused at the gateway, whatever the task
        refused(w.who[name].post(f"/tasks/{first['id']}/withdraw", {}), 403, "forbidden")
    r = dept.post(f"/tasks/{first['id']}/withdraw", {"reason": "x" * 501})
    assert "reason" in refused(r, 422, "validation_failed")["errors"]
    assert dept.ok("GET", f"/tasks/{first['id']}")["status"] == "pending_review"  # nothing changed

    back = dept.ok("POST", f"/tasks/{first['id']}/withdraw", json={"reason": "数据口径有误,重新发送"})
    assert (back["id"], back["status"], back["status_label"]) == (first["id"], "withdrawn", "已撤回")
    again = refused(dept.post(f"/tasks/{first['id']}/withdraw", {}), 409, "conflict")
    assert again["title"] == "任务当前状态为“已撤回”,只有待补过筛编码或待审核的任务才能撤回"
    en = dept.post(f"/tasks/{first['id']}/withdraw", {}, en=True)
    assert en.status_code == 409 and en.json()["title"] == (
        "The task is withdrawn: only a task waiting for a screening code or for review can be withdrawn"
    )
    refused(leader.post(f"/tasks/{first['id']}/approve"), 409, "conflict")

    # the leader who had it to review is told, with the reason
    notice = w.told("township", f"任务已撤回:{first['title']}")
    assert notice["kind"] == "withdrawn" and "数据口径有误,重新发送" in notice["body"]
    assert notice["ref"] == {"kind": "task", "id": first["id"], "key": str(first["id"])}

    # no longer open work: the same matter for the same village passes screening now
    fresh = send(uid("危房核查(重发)"))
    assert fresh["status"] == "pending_review" and fresh["overlaps"] == []

    # it shows as 已撤回 in lists, under its own count, and in the ledger with the reason
    listed = dept.ok("GET", "/tasks", params={"status": "withdrawn", "per_page": 100})
    assert [(t["id"], t["status_label"]) for t in listed["items"]] == [(first["id"], "已撤回")]
    assert listed["counts"]["withdrawn"] == 1
    ledger = leader.ok("GET", "/ledger", params={"task_id": first["id"], "per_page": 100})["items"]
    assert ledger[-1]["action"] == "withdrawn" and ledger[-1]["detail"] == {"reason": "数据口径有误,重新发送"}

    # once reviewed it is the township's: too late to withdraw
    leader.ok("POST", f"/tasks/{fresh['id']}/approve")
    late = refused(dept.post(f"/tasks/{fresh['id']}/withdraw", {}), 409, "conflict")
    assert late["title"] == "任务当前状态为“已审核”,只有待补过筛编码或待审核的任务才能撤回"

    # one still waiting for its code: withdrawn without a reason; no reviewer had it, none is told
    uncoded = send(uid("请各村开展防汛宣传活动"), matter_code=None)
    assert uncoded["status"] == "needs_code"
    assert dept.ok("POST", f"/tasks/{uncoded['id']}/withdraw", json={})["status"] == "withdrawn"
    # a county admin may withdraw a task in their county
    third = send(uid("危房统计"), matter_code=w.code())
    assert w.who["admin"].ok("POST", f"/tasks/{third['id']}/withdraw", json={})["status"] == "withdrawn"
    w.told("township", f"任务已撤回:{third['title']}")
    titles = [i["title"] for i in leader.ok("GET", "/inbox", params={"per_page": 200})["items"]]
    assert f"任务已撤回:{uncoded['title']}" not in titles

    # each withdrawal left its event in the outbox, as the catalogue names it
    conn = psycopg2.connect(w.platform.env["TASKS_DATABASE_URL"])
    with conn.cursor() as cur:
        cur.execute("SELECT data FROM outbox WHERE type = 'grassroots.tasks.task.withdrawn.v1' ORDER BY seq")
        events = [row[0] for row in cur.fetchall()]
    conn.close()
    assert [(e["task_id"], e["from_status"], e["reason"]) for e in events] == [
        (first["id"], "pending_review", "数据口径有误,重新发送"),
        (uncoded["id"], "needs_code", None),
        (third["id"], "pending_review", None),
    ]
    assert events[2]["actor_id"] == w.me["admin"]["id"] and events[2]["sender_id"] == w.me["dept"]["id"]
    stats = w.who["admin"].ok("GET", "/stats/tasks")
    assert stats["withdrawn"] == 3


# -- 4. a secretary assigns to a person of the village -------------------------------------------------


def test_a_secretary_assigns_to_a_person_of_the_village(world):
    w, ids = world, world.ids
    leader, secretary = w.who["township"], w.who["secretary"]

    def assignment() -> dict:
        body = {"title": uid("村级台账整理"), "matter_code": w.code(), "target_ids": [ids["V1"]]}
        task = leader.ok("POST", "/tasks", 201, json=body)
        leader.ok("POST", f"/tasks/{task['id']}/approve")
        leader.ok("POST", f"/tasks/{task['id']}/dispatch", json={})
        return secretary.ok("GET", "/assignments", params={"task_id": task["id"]})["items"][0]

    # to a village cadre: held at the village, and the cadre is told
    a = assignment()
    cadre_id = w.me["cadre"]["id"]
    given = secretary.ok("POST", f"/assignments/{a['id']}/assign", json={"assignee_id": cadre_id})
    assert (given["status"], given["assignee_id"], given["grid_id"]) == ("assigned", cadre_id, None)
    assert given["org_path"] == ids["V1_path"] and given["village_id"] == ids["V1"]
    told = w.told("cadre", f"派给您的任务:{a['title']}")
    assert told["ref"]["id"] == a["id"] and told["kind"] == "dispatched"
    assert a["id"] in [x["id"] for x in w.who["cadre"].ok("GET", "/assignments")["items"]]
    claimed = w.who["cadre"].ok("POST", f"/assignments/{a['id']}/claim")
    assert claimed["status"] == "claimed" and claimed["assignee_id"] == cadre_id
    refused(w.who["gridworker"].post(f"/assignments/{a['id']}/claim"), 404, "not_found")

    # to a grid worker: held in their own grid
    b = assignment()
    worker_id = w.me["gridworker"]["id"]
    given = secretary.ok("POST", f"/assignments/{b['id']}/assign", json={"assignee_id": worker_id})
    assert (given["assignee_id"], given["grid_id"]) == (worker_id, ids["G1"])
    assert given["org_path"] == f"{ids['V1_path']}{ids['G1']}/"
    w.told("gridworker", f"派给您的任务:{b['title']}")
    ledger = secretary.ok("GET", "/ledger", params={"task_id": b["task_id"], "per_page": 100})["items"]
    assign_row = next(e for e in ledger if e["action"] == "assign")
    assert assign_row["detail"]["assignee_id"] == worker_id and assign_row["detail"]["assignee_name"]

    # to the secretary themself
    c = assignment()
    mine = secretary.ok(
        "POST", f"/assignments/{c['id']}/assign", json={"assignee_id": w.me["secretary"]["id"]}
    )
    assert (mine["assignee_id"], mine["grid_id"]) == (w.me["secretary"]["id"], None)

    # nobody outside the village's own workers: 422 on assignee_id, and nothing changes
    d = assignment()
    outsiders = {
        "another village's grid worker": w.me["og_worker"]["id"],
        "another village's secretary": w.me["og_secretary"]["id"],
        "a member of the village": w.me["member"]["id"],
        "a resident": w.me["resident"]["id"],
        "a team cadre": w.me["team"]["id"],
        "nobody": 99_999_999,
    }
    for label, person in outsiders.items():
        r = secretary.post(f"/assignments/{d['id']}/assign", {"assignee_id": person})
        body = refused(r, 422, "validation_failed")
        assert body["errors"] == {"assignee_id": ["只能分派给本村的村两委干部、网格员或村党组织书记"]}, label
    en = secretary.post(f"/assignments/{d['id']}/assign", {"assignee_id": w.me["og_worker"]["id"]}, en=True)
    assert en.json()["errors"] == {
        "assignee_id": ["Only a village cadre, grid worker or the secretary of this village can be given it."]
    }
    r = secretary.post(f"/assignments/{d['id']}/assign", {})
    assert refused(r, 422, "validation_failed")["errors"] == {"grid_id": ["请选择分派的网格或人员"]}
    unchanged = w.who["admin"].ok("GET", f"/assignments/{d['id']}")
    assert (unchanged["status"], unchanged["assignee_id"], unchanged["grid_id"]) == ("dispatched", None, None)
    # only the village's secretary passes it on; a grid with its worker still works as before
    refused(
        w.who["cadre"].post(f"/assignments/{d['id']}/assign", {"assignee_id": cadre_id}), 403, "forbidden"
    )
    both = secretary.ok(
        "POST", f"/assignments/{d['id']}/assign", json={"grid_id": ids["G1"], "assignee_id": worker_id}
    )
    assert (both["grid_id"], both["assignee_id"]) == (ids["G1"], worker_id)
