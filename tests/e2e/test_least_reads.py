"""Least-privilege reads through the gateway (PostgreSQL), as the demo accounts: a resident
reads their own household and items, a member the households linked to them (numbers in
full), department staff the people and households of their department's orders, and only
account administrators see other people's login usernames."""

from datetime import UTC, datetime

import pytest
import requests

from services.tasks.fieldwork.domain import month_of

ACCOUNT_ADMINS = ("admin", "township", "secretary")
OTHERS = ("cadre", "gridworker", "team", "member", "dept", "resident")


class Api:
    def __init__(self, platform):
        self.base = platform.base_url + "/api/v1"
        self.headers = {
            name: platform.login(name)
            for name in (
                "admin",
                "township",
                "secretary",
                "cadre",
                "gridworker",
                "team",
                "member",
                "dept",
                "resident",
            )
        }
        self.me = {name: self.get(name, "/me").json() for name in self.headers}

    def get(self, who, path, **params) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers[who], params=params, timeout=30)

    def ok(self, who, method, path, **kw) -> dict:
        r = requests.request(method, self.base + path, headers=self.headers[who], timeout=60, **kw)
        assert r.status_code in (200, 201), (who, method, path, r.status_code, r.text)
        return r.json()

    def items(self, who, path, **params) -> list[dict]:
        r = self.get(who, path, per_page=200, **params)
        assert r.status_code == 200, (who, path, r.text)
        return r.json()["items"]


@pytest.fixture(scope="module")
def api(platform_module):
    api = Api(platform_module)
    api.ok("admin", "POST", "/visit-lists/sync")
    api.ok("admin", "POST", "/visit-lists/generate", json={"month": month_of(datetime.now(UTC))})
    api.grid = api.me["gridworker"]["org_unit_id"]
    api.grid_households = {h["id"]: h for h in api.items("admin", "/households", grid_id=api.grid)}
    links = api.items("admin", "/links", kind="member_household", source_id=api.me["member"]["id"])
    api.linked = {link["target_id"] for link in links}
    return api


def assert_not_found(r: requests.Response) -> None:
    assert r.status_code == 404 and r.json()["code"] == "not_found", (r.status_code, r.text)


def test_member_reads_only_linked_households_with_full_phone_numbers(api):
    seen = api.items("member", "/households")
    assert {h["id"] for h in seen} == api.linked and len(api.linked) >= 5
    for h in seen:
        full = api.grid_households[h["id"]]
        assert h["phone"] == full["phone"] and "*" not in (h["phone"] or "")
        for mine, theirs in zip(h["residents"], full["residents"], strict=True):
            assert mine["phone"] == theirs["phone"]  # every phone in full: the member calls them
            if theirs["id_number"]:  # ID numbers masked: a volunteer has no use for them
                assert mine["id_number"] != theirs["id_number"] and "*" in mine["id_number"]
                assert mine["id_number"][-4:] == theirs["id_number"][-4:]
    one = next(iter(api.linked))
    assert api.get("member", f"/households/{one}").json()["phone"] == api.grid_households[one]["phone"]

    others = set(api.grid_households) - api.linked
    assert others
    for household_id in sorted(others)[:5]:
        assert_not_found(api.get("member", f"/households/{household_id}"))
    assert not {h["id"] for h in api.items("member", "/households", grid_id=api.grid)} & others

    # nobody else of the grid: only their own person record, their own links
    assert [p["id"] for p in api.items("member", "/people")] == [api.me["member"]["id"]]
    assert_not_found(api.get("member", f"/people/{api.me['resident']['id']}"))
    assert_not_found(api.get("member", f"/people/{api.me['gridworker']['id']}"))
    links = api.items("member", "/links")
    assert {link["target_id"] for link in links} == api.linked
    assert {link["source_id"] for link in links} == {api.me["member"]["id"]}


def test_resident_reads_own_household_and_own_items_only(api):
    me = api.ok("resident", "GET", f"/people/{api.me['resident']['id']}")
    assert "*" not in me["phone"] and me["username"] == "resident"
    (home,) = api.items("resident", "/households")
    assert me["id_number"] in [r["id_number"] for r in home["residents"]]
    assert home == api.grid_households[home["id"]]  # their own numbers in full
    assert home["id"] not in api.linked  # the demo resident's household is not the member's
    assert_not_found(api.get("resident", f"/households/{next(iter(api.linked))}"))
    assert [p["id"] for p in api.items("resident", "/people")] == [me["id"]]
    assert_not_found(api.get("resident", f"/people/{api.me['member']['id']}"))
    assert {link["target_id"] for link in api.items("resident", "/links")} == {home["id"]}

    # matters: their own mailbox items, not the grid's other matters
    letter = api.ok("resident", "POST", "/mailbox", json={"kind": "text", "text": "村口路灯不亮"})
    theirs = api.ok(
        "gridworker", "POST", "/matters", json={"grid_id": api.grid, "title": "网格巡查发现垃圾堆放"}
    )
    seen = api.items("resident", "/matters")
    assert letter["matter_id"] in {m["id"] for m in seen}
    assert all(m["reporter_id"] == me["id"] for m in seen)
    assert_not_found(api.get("resident", f"/matters/{theirs['id']}"))


def escalate_to(api, matter_id: int, department_id: int, by="gridworker") -> dict:
    api.ok(by, "POST", f"/matters/{matter_id}/escalate", json={"note": "需要村里协调"})
    api.ok("secretary", "POST", f"/matters/{matter_id}/escalate", json={"note": "报乡镇四平台"})
    return api.ok("township", "POST", f"/matters/{matter_id}/dispatch", json={"department_id": department_id})


def test_department_staff_read_the_parties_to_their_orders_masked(api):
    dept = api.me["dept"]
    member, resident = api.me["member"]["id"], api.me["resident"]["id"]
    household = sorted(api.linked)[0]
    # before any order: no household, nobody but themself
    assert api.items("dept", "/households") == []
    assert [p["id"] for p in api.items("dept", "/people")] == [dept["id"]]
    assert_not_found(api.get("dept", f"/households/{household}"))
    assert_not_found(api.get("dept", f"/people/{resident}"))

    visit = api.ok(
        "member", "POST", "/visits", json={"household_id": household, "needs": [{"title": "门前水沟堵塞"}]}
    )
    escalate_to(api, visit["matter_ids"][0], dept["department_id"], by="member")
    letter = api.ok("resident", "POST", "/mailbox", json={"kind": "text", "text": "桥面破损"})
    escalate_to(api, letter["matter_id"], dept["department_id"])

    seen = api.items("dept", "/households")
    assert [h["id"] for h in seen] == [household]
    full = api.grid_households[household]
    assert seen[0]["phone"] != full["phone"] and "*" in seen[0]["phone"]
    assert seen[0]["phone"][-4:] == full["phone"][-4:]
    assert api.get("dept", f"/households/{household}").json()["phone"] == seen[0]["phone"]
    other = next(h for h in sorted(api.grid_households) if h != household)
    assert_not_found(api.get("dept", f"/households/{other}"))

    people = {p["id"]: p for p in api.items("dept", "/people")}
    assert set(people) == {dept["id"], member, resident}
    for person_id in (member, resident):
        shown = api.ok("dept", "GET", f"/people/{person_id}")
        assert "*" in shown["phone"] and "username" not in shown
        assert people[person_id] == shown
    assert_not_found(api.get("dept", f"/people/{api.me['gridworker']['id']}"))
    assert api.items("dept", "/links") == []


def test_login_usernames_only_for_account_administrators(api):
    for who in ACCOUNT_ADMINS:
        listed = api.items(who, "/people", org_unit_id=api.grid)
        assert {"gridworker", "member", "resident"} <= {p.get("username") for p in listed}, who
        assert api.ok(who, "GET", f"/people/{api.me['gridworker']['id']}")["username"] == "gridworker"
    for who in OTHERS:
        own = api.me[who]["id"]
        for p in api.items(who, "/people"):
            assert ("username" in p) is (p["id"] == own), (who, p)
        assert api.ok(who, "GET", f"/people/{own}")["username"] == who
    for who in ("cadre", "gridworker", "team"):  # they read the grid's people, not their logins
        shown = api.ok(who, "GET", f"/people/{api.me['resident']['id']}")
        assert "username" not in shown and shown["name"]
