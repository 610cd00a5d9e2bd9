"""Content screening through the gateway (基层减负防火墙), against RabbitMQ and PostgreSQL: a
township leader sends tasks; one that hits the negative list is held for review with the
rule named, one whose code does not fit its text is flagged to the reviewer, both show in
the statistics; suggestions say 未找到匹配事项 for a text of no matter; the county admin
edits the negative list (nobody else may see or touch it) and the edit takes effect."""

from datetime import date, timedelta

import psycopg2
import requests

RULES = "/screening/negative-rules"


def _api(platform, who):
    headers = platform.login(who)
    base = platform.base_url + "/api/v1"

    class Client:
        def call(self, method, path, json=None, **kw):
            return requests.request(method, base + path, headers=headers, json=json, timeout=30, **kw)

        def get(self, path, **kw):
            return self.call("GET", path, **kw)

        def post(self, path, json=None):
            return self.call("POST", path, json if json is not None else {})

        def me(self):
            return self.get("/me").json()

    return Client()


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def test_content_screening_through_the_gateway(platform_pg):
    admin, leader, leader2, dept, secretary = (
        _api(platform_pg, u) for u in ("admin", "township", "township2", "dept", "secretary")
    )
    seeded = _ok(admin.post("/catalogue/seed-default"))
    assert seeded["created"] >= 60 and seeded["negative_rules"]["created"] >= 6
    assert _ok(admin.post("/catalogue/seed-default"))["negative_rules"]["created"] == 0
    village = secretary.me()["org_unit_id"]
    deadline = (date.today() + timedelta(days=10)).isoformat()

    def send(title, content, code=None):
        body = {"title": title, "content": content, "target_ids": [village], "deadline": deadline}
        return _ok(leader.post("/tasks", body | ({"matter_code": code} if code else {})), 201)

    # -- only the county admin sees and edits the negative list
    rules = _ok(admin.get(RULES))["items"]
    assert {"NL001", "NL002", "NL003", "NL004", "NL005"} <= {r["rule_id"] for r in rules}
    bank = next(r for r in rules if r["rule_id"] == "NL001")
    assert bank["name"] == "收集群众银行账户或财产信息" and bank["version"] == 1 and bank["patterns"]
    for who in (leader, dept, secretary):
        assert who.get(RULES).status_code == 403
        assert who.call("PUT", f"{RULES}/NL004", {"name": "x", "keywords": ["x"]}).status_code == 403
        assert who.post(RULES, {"rule_id": "NL900", "name": "x", "keywords": ["x"]}).status_code == 403

    # -- a hit is held for review with the rule named, whatever the code
    held = send(
        "关于开展反诈宣传进村入户的通知", "请各村网格员入户宣传,同时收集村民的银行卡号和开户行", "PA001"
    )
    assert held["status"] == "pending_review" and held["held"] is True
    [reason] = held["screening_reasons"]
    assert (reason["kind"], reason["rule_id"], reason["rule_name"]) == (
        "negative_list",
        "NL001",
        "收集群众银行账户或财产信息",
    )
    assert "银行卡号" in reason["matched"] and "负面清单" in reason["message"]

    # -- a code whose matter has nothing to do with the text is flagged to the reviewer
    odd = send("关于做好暑期防溺水工作的通知", "请各村在水塘、水库边设置警示牌,安排人员巡查", "NY007")
    assert odd["status"] == "pending_review" and odd["held"] is False
    review = _ok(leader.get(f"/tasks/{odd['id']}"))
    assert review["code_mismatch"] is True and review["screening_reasons"][0]["kind"] == "code_mismatch"
    fitting = send("关于做好暑期防溺水工作的通知", "请各村在水塘边设置警示牌", "AQ006")
    assert fitting["code_mismatch"] is False and fitting["screening_reasons"] == []
    assert leader2.get(f"/tasks/{odd['id']}").status_code == 404  # another township's leader
    flagged = _ok(leader.get("/tasks", params={"flagged": "true"}))["items"]
    assert {t["id"] for t in flagged} == {held["id"], odd["id"]}
    assert _ok(leader2.get("/tasks", params={"flagged": "true"}))["items"] == []

    # -- suggestions: jieba words against names, aliases and keywords; nothing below the threshold
    found = _ok(leader.post("/catalogue/suggest", {"text": "关于开展汛期地质灾害隐患点巡查的通知"}))
    assert found["no_match"] is False and found["items"][0]["code"] == "FX004"
    assert all(s["score"] >= found["threshold"] for s in found["items"])
    nothing = _ok(leader.post("/catalogue/suggest", {"text": "关于召开年终总结表彰大会的通知"}))
    assert nothing == {
        "items": [],
        "no_match": True,
        "message": "未找到匹配事项",
        "threshold": nothing["threshold"],
    }
    uncoded = send("关于调整机关食堂就餐时间的通知", "即日起午餐时间调整为11点半")
    assert uncoded["status"] == "needs_code" and uncoded["no_match_message"] == "未找到匹配事项"

    # -- the statistics count the hit by rule, alongside the code rejections
    send("驳回测试", "无此编码", "XX999")
    rejections = _ok(leader.get("/stats/tasks/rejections"))
    assert rejections["by_reason"]["negative_list"] == 1 and rejections["by_reason"]["unknown_code"] == 1
    assert rejections["by_rule"] == {"NL001": {"rule_name": "收集群众银行账户或财产信息", "count": 1}}
    assert rejections["total"] == 2
    assert {r["reason"] for r in rejections["rows"]} == {"negative_list", "unknown_code"}
    assert _ok(leader2.get("/stats/tasks/rejections"))["by_reason"]["negative_list"] == 0
    assert _ok(admin.get("/stats/tasks"))["negative_list_by_rule"] == {"NL001": 1}

    # -- the county admin edits the list: bad input is refused and changes nothing
    text = ("关于为我镇村歌作品助力的通知", "请各村组织村民为作品打call,每天不少于十次")
    assert send(*text, "WM003")["held"] is False
    bad = admin.call("PUT", f"{RULES}/NL004", {"name": "转发点赞截图刷票", "patterns": ["(未闭合"]})
    assert (
        bad.status_code == 422
        and bad.json()["code"] == "validation_failed"
        and "patterns" in bad.json()["errors"]
    )
    english = requests.put(
        platform_pg.base_url + f"/api/v1{RULES}/NL004",
        json={"name": "x"},
        headers=platform_pg.login("admin") | {"Accept-Language": "en"},
        timeout=30,
    )
    assert english.status_code == 422 and english.json()["title"] == "The submitted data is invalid"
    assert admin.call("PUT", f"{RULES}/NL999", {"name": "x", "keywords": ["x"]}).status_code == 404
    assert _ok(admin.get(f"{RULES}/NL004"))["version"] == 1
    edited = _ok(
        admin.call(
            "PUT",
            f"{RULES}/NL004",
            {
                "name": "转发点赞截图刷票",
                "reason": "不得要求转发点赞打榜",
                "keywords": ["转发", "截图", "打call"],
            },
        )
    )
    assert edited["version"] == 2 and edited["keywords"] == ["转发", "截图", "打call"]
    again = send(*text, "WM003")
    assert again["held"] is True and again["screening_reasons"][0]["rule_id"] == "NL004"
    assert again["screening_reasons"][0]["rule_version"] == 2
    detail = _ok(admin.get(f"{RULES}/NL004"))
    assert [v["version"] for v in detail["versions"]] == [1, 2] and detail["versions"][0]["current"] is False

    # -- a new rule, a duplicate refused, a retirement that stops it
    created = _ok(
        admin.post(RULES, {"rule_id": "NL900", "name": "要求村社制作迎检展板", "keywords": ["迎检展板"]}), 201
    )
    assert created["version"] == 1
    assert admin.post(RULES, {"rule_id": "NL900", "name": "重复", "keywords": ["x"]}).status_code == 409
    assert admin.post(RULES, {"rule_id": "NL901", "name": "无条件"}).status_code == 422
    assert send("关于制作迎检展板的通知", "请各村制作迎检展板", "RJ001")["held"] is True
    assert _ok(admin.call("DELETE", f"{RULES}/NL900"))["retired"] is True
    assert send("关于制作迎检展板的通知", "请各村制作迎检展板", "RJ001")["held"] is False
    assert "NL900" not in {r["rule_id"] for r in _ok(admin.get(RULES))["items"]}
    assert "NL900" in {
        r["rule_id"] for r in _ok(admin.get(RULES, params={"include_retired": "true"}))["items"]
    }
    rejections = _ok(admin.get("/stats/tasks/rejections"))
    assert {k: v["count"] for k, v in rejections["by_rule"].items()} == {"NL001": 1, "NL004": 1, "NL900": 1}

    # -- every change of the list left its event in the outbox
    conn = psycopg2.connect(platform_pg.env["TASKS_DATABASE_URL"])
    with conn.cursor() as cur:
        cur.execute(
            "SELECT data FROM outbox WHERE type = 'grassroots.tasks.negative_rule.changed.v1' ORDER BY seq"
        )
        payloads = [row[0] for row in cur.fetchall()]
    conn.close()
    assert len(payloads) == len(rules) + 3
    changes = [(p["rule_id"], p["version"], p["change"]) for p in payloads[len(rules) :]]
    assert changes == [("NL004", 2, "updated"), ("NL900", 1, "created"), ("NL900", 1, "retired")]
