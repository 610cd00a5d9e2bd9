"""Escalation table: every role × every write route that names a place, person, team or
department × a target outside the caller's scope (a sibling grid, a sibling village, the
second township). Zero cells may succeed, and a re-read of the target as the county admin
afterwards shows that nothing changed. The route list comes from the gateway's RouteSpecs:
a new write route without attempts here or a reason in escalation_table.NAMES_NOTHING fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

import gateway.service  # noqa: F401 - registers every route
from gateway.http import ROUTES
from tests.e2e.escalation_table import ACTORS, AREAS, NAMES_NOTHING, WRITE_METHODS
from tests.e2e.test_access_table import JPEG, PASSWORD, Env, project_body, uid, walk

V1 = "/api/v1"


@dataclass
class Attempt:
    label: str
    path: str
    target: str  # org path of what the attempt names outside the caller
    probe: Callable[[], object]
    json: dict | Callable | None = None  # or (env, username) -> dict: a body of the caller's own
    files: dict | None = None


@dataclass
class Area:
    name: str
    township: int
    village: int
    grid: int
    paths: dict  # township / village / grid -> org path
    people: dict  # leader, secretary, gridworker, member, resident -> username
    department: int  # the township's platform (四平台)
    made: dict = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], object]):
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]


@dataclass
class World:
    env: Env
    areas: dict
    ids: dict

    def ok(self, who, method, path, **kw):
        return self.env.ok(who, method, path, **kw)

    def count(self, path, **params) -> int:
        return self.env.count(path, **params)

    def person(self, body: dict, login: bool = True) -> dict:
        person = self.ok("admin", "POST", "/people", json={"code": uid("ESC"), **body})
        if login:
            username = f"esc_{person['id']}"
            self.ok(
                "admin",
                "PUT",
                f"/people/{person['id']}/account",
                json={"username": username, "password": PASSWORD},
            )
            self.env.login(username, PASSWORD)
            person["username"] = username
        return person


# -- the platform, its people and the places outside ------------------------------------------------


def build_world(platform) -> World:
    env = Env(platform.base_url)
    for username in (*ACTORS.values(), "township2"):
        env.login(username)
    me, ids = env.me, {}
    ids["T1"], ids["V1"], ids["G1"] = (me[u]["org_unit_id"] for u in ("township", "secretary", "gridworker"))
    ids["T2"] = me["township2"]["org_unit_id"]
    units = {n["id"]: n for root in env.ok("admin", "GET", "/org/tree") for n in walk(root)}
    ids["county"] = next(iter(u for u in units.values() if u["level"] == "county"))["path"]
    departments = env.ok("admin", "GET", "/departments")
    platform_of = {d["org_unit_id"]: d["id"] for d in departments}
    ids["county_department"] = next(
        d["id"] for d in departments if units[d["org_unit_id"]]["level"] == "county"
    )
    teams = env.ok("admin", "GET", "/links", params={"kind": "team_village", "per_page": 500})["items"]
    team_of_village = {link["target_id"]: link["source_id"] for link in teams}
    world = World(env, {}, ids)

    # a staff member of the first township's platform: the demo one serves the whole county
    staff = world.person(
        {
            "name": "镇平台员",
            "roles": ["department_staff"],
            "org_unit_id": ids["T1"],
            "department_id": platform_of[ids["T1"]],
        }
    )
    env.actors = dict(ACTORS, department_staff=staff["username"])

    t1, t2 = units[ids["T1"]], units[ids["T2"]]
    v1 = units[ids["V1"]]
    team_scope = me["team"]["scope"]
    sibling_village = next(
        (
            v
            for v in t1["children"]
            if v["id"] != ids["V1"] and not any(v["path"].startswith(p) for p in team_scope)
        ),
        next(v for v in t1["children"] if v["id"] != ids["V1"]),
    )
    sibling_grid = next(g for g in v1["children"] if g["id"] != ids["G1"])
    v2 = t2["children"][0]
    places = {
        "sibling grid": (t1, v1, sibling_grid),
        "sibling village": (t1, sibling_village, sibling_village["children"][0]),
        "other township": (t2, v2, v2["children"][0]),
    }
    for name in AREAS:
        township, village, grid = places[name]
        people = {"leader": "township" if township is t1 else "township2"}
        if village is v1:
            people["secretary"] = "secretary"
        else:
            people["secretary"] = world.person(
                {"name": "外村书记", "roles": ["village_secretary"], "org_unit_id": village["id"]}
            )["username"]
        for key, role in (("gridworker", "grid_worker"), ("member", "member"), ("resident", "resident")):
            people[key] = world.person({"name": f"外格{key}", "roles": [role], "org_unit_id": grid["id"]})[
                "username"
            ]
        world.areas[name] = Area(
            name,
            township["id"],
            village["id"],
            grid["id"],
            {"township": township["path"], "village": village["path"], "grid": grid["path"]},
            people,
            platform_of[township["id"]],
        )
    ids["teams"] = {
        name: team_of_village[a.village] for name, a in world.areas.items() if a.village in team_of_village
    }
    ids["t2_team"] = next(team_of_village[v["id"]] for v in t2["children"] if v["id"] in team_of_village)
    env.ok("admin", "POST", "/catalogue/seed-default")
    env.ok("admin", "POST", "/procedure-templates/seed-default")
    return world


# -- resources in an area (made by the area's own people, once) -----------------------------------


MATTER = {"name": "越权测试事项", "levels": ["village", "grid"], "default_days": 5, "evidence": ["text"]}


def household(w: World, a: Area) -> dict:
    body = {"code": uid("EH"), "grid_id": a.grid, "address": "越权路 1 号", "head_name": "外户"}
    return a.once("household", lambda: w.ok("admin", "POST", "/households", json=body))


def link(w: World, a: Area) -> dict:
    def make():
        member = w.env.me[a.people["member"]]["id"]
        return w.ok(
            "admin",
            "POST",
            "/links",
            json={"kind": "member_household", "source_id": member, "target_id": household(w, a)["id"]},
        )

    return a.once("link", make)


def resident(w: World, a: Area) -> dict:
    return a.once(
        "resident",
        lambda: w.person({"name": "外格居民", "roles": ["resident"], "org_unit_id": a.grid}, login=False),
    )


def task(
    w: World, a: Area, state: str, major: bool = False, village: int | None = None, tag: str = ""
) -> dict:
    def make():
        leader = a.people["leader"]
        body = {"title": uid("越权任务"), "target_ids": [village or a.village]}
        if state != "needs_code":
            code = uid("ES")[:12]
            w.ok("admin", "POST", "/catalogue", json={"code": code, **MATTER, "major": major})
            body |= {"matter_code": code, "deadline": (date.today() + timedelta(days=20)).isoformat()}
        t = w.ok(leader, "POST", "/tasks", json=body)
        if state in ("approved", "dispatched"):
            t = w.ok(leader, "POST", f"/tasks/{t['id']}/approve")
        if state == "dispatched":
            t = w.ok(leader, "POST", f"/tasks/{t['id']}/dispatch", json={})
        return t

    return a.once(f"task {state} {major} {village} {tag}", make)


def assignment(w: World, a: Area, state: str) -> dict:
    def make():
        t = task(w, a, "dispatched", tag=state)  # a task of its own for each state
        found = w.ok("admin", "GET", "/assignments", params={"task_id": t["id"]})["items"][0]
        if state == "dispatched":
            return found
        holder = a.people["gridworker"]
        steps = [
            ("assigned", a.people["secretary"], "assign", {"grid_id": a.grid}),
            ("claimed", holder, "claim", None),
            ("started", holder, "start", None),
            ("submitted", holder, "submit", {"evidence": w.env.evidence(holder)}),
        ]
        for name, who, action, body in steps:
            found = w.ok(who, "POST", f"/assignments/{found['id']}/{action}", json=body)
            if name == state:
                return found
        raise AssertionError(state)

    return a.once(f"assignment {state}", make)


def matter(w: World, a: Area, level: str) -> dict:
    def make():
        gw, sec = a.people["gridworker"], a.people["secretary"]
        m = w.ok(gw, "POST", "/matters", json={"grid_id": a.grid, "title": uid("越权事项")})
        if level in ("village", "department", "dispatched"):
            m = w.ok(gw, "POST", f"/matters/{m['id']}/escalate", json={})
        if level in ("department", "dispatched"):
            m = w.ok(sec, "POST", f"/matters/{m['id']}/escalate", json={})
        if level == "dispatched":
            m = w.ok(
                a.people["leader"],
                "POST",
                f"/matters/{m['id']}/dispatch",
                json={"department_id": a.department},
            )
        return m

    return a.once(f"matter {level}", make)


def inside_matter(w: World) -> dict:
    """A department-level matter of the callers' own grid (G1), for dispatching outside."""

    def make():
        m = w.ok("gridworker", "POST", "/matters", json={"grid_id": w.ids["G1"], "title": uid("本格事项")})
        m = w.ok("gridworker", "POST", f"/matters/{m['id']}/escalate", json={})
        return w.ok("secretary", "POST", f"/matters/{m['id']}/escalate", json={})

    return w.areas["sibling grid"].once("inside matter", make)


def mail_matter(w: World, a: Area) -> int:
    def make():
        receipt = w.ok(
            a.people["resident"], "POST", "/mailbox", json={"kind": "text", "text": uid("路灯坏了")}
        )
        w.ok(
            a.people["gridworker"],
            "POST",
            f"/matters/{receipt['matter_id']}/resolve",
            json={"note": "修好了"},
        )
        return receipt["matter_id"]

    return a.once("mail", make)


def visit(w: World, a: Area) -> dict:
    def make():
        h = link(w, a)["target_id"]
        member = a.people["member"]
        att = w.ok(member, "POST", "/attachments", files={"file": ("v.jpg", JPEG, "image/jpeg")})
        body = {"household_id": h, "notes": "入户走访", "attachment_ids": [att["id"]]}
        for _ in range(40):  # the link reaches field work's replica by event
            r = w.env.call(member, "POST", "/visits", json=body)
            if r.status_code == 201:
                return r.json()
            time.sleep(0.25)
        raise AssertionError(f"no visit: {r.status_code} {r.text}")

    return a.once("visit", make)


def procedure(w: World, a: Area) -> dict:
    body = {"template_code": "LXHY", "village_id": a.village, "title": uid("议事")}
    return a.once("procedure", lambda: w.ok(a.people["secretary"], "POST", "/procedures", json=body))


def project(w: World, a: Area, with_bid: bool = False):
    def make():
        p = w.ok(a.people["leader"], "POST", "/projects", json=project_body(a.township))
        bid = w.ok(a.people["secretary"], "POST", f"/projects/{p['id']}/bids", json={"case": "本村材料"})
        return p, bid

    p, bid = a.once("project", make)
    return (p, bid) if with_bid else p


def subscription(w: World, a: Area) -> dict:
    body = {
        "name": uid("订阅"),
        "url": "http://127.0.0.1:9/h",
        "event_types": ["grassroots.#"],
        "org_path": a.paths["village"],
    }
    return a.once("subscription", lambda: w.ok(a.people["leader"], "POST", "/subscriptions", json=body))


def special(w: World, key: str, body: dict) -> dict:
    """People of the first township whose department or team lies beyond it."""
    return w.areas["other township"].once(key, lambda: w.person({"name": "越界人员", **body}, login=False))


# -- probes (read as the county admin) ----------------------------------------------------------------


def get(w: World, path: str, *keys: str):
    def read():
        body = w.ok("admin", "GET", path)
        return {k: body.get(k) for k in keys} if keys else body

    return read


def total(w: World, path: str, **params):
    return lambda: w.count(path, **params)


def task_probe(w: World, tid: int):
    return lambda: {k: v for k, v in w.ok("admin", "GET", f"/tasks/{tid}").items() if k != "assignments"}


PERSON_KEYS = ("username", "roles", "org_unit_id", "department_id", "team_id")


# -- the attempts, per route ------------------------------------------------------------------------------

ATTEMPTS: dict[str, Callable[[World, Area], list[Attempt]]] = {}


def attempts(method: str, route: str):
    def deco(fn):
        ATTEMPTS[f"{method} {V1}{route}"] = fn
        return fn

    return deco


@attempts("POST", "/org-units")
def _(w, a):
    body = {"parent_id": a.village, "level": "grid", "code": uid("EG"), "name": uid("越权网格")}
    probe = lambda: len(w.ok("admin", "GET", "/org/tree", params={"root_id": a.village})[0]["children"])  # noqa: E731
    return [Attempt("grid under the village", "/org-units", a.paths["village"], probe, body)]


@attempts("POST", "/people")
def _(w, a):
    T1, probe = w.ids["T1"], total(w, "/people", per_page=1)

    def body(**kw):
        return {"code": uid("EP"), "name": "越权人员", **kw}

    found = [
        Attempt(
            "resident there", "/people", a.paths["grid"], probe, body(roles=["resident"], org_unit_id=a.grid)
        ),
        Attempt(
            "staff of that township's department",
            "/people",
            a.paths["township"],
            probe,
            body(roles=["department_staff"], org_unit_id=T1, department_id=a.department),
        ),
    ]
    if a.name == "other township":
        county = w.ids["county"]
        found += [
            Attempt(
                "a county admin",
                "/people",
                county,
                probe,
                body(roles=["county_admin"], org_unit_id=county_id(w)),
            ),
            Attempt(
                "staff of a county department",
                "/people",
                county,
                probe,
                body(roles=["department_staff"], org_unit_id=T1, department_id=w.ids["county_department"]),
            ),
            Attempt(
                "team cadre of that township's team",
                "/people",
                a.paths["township"],
                probe,
                body(roles=["team_cadre"], org_unit_id=T1, team_id=w.ids["t2_team"]),
            ),
            Attempt(
                "resident here with that township's team",
                "/people",
                a.paths["township"],
                probe,
                body(roles=["resident"], org_unit_id=w.ids["G1"], team_id=w.ids["t2_team"]),
            ),
        ]
    return found


def county_id(w: World) -> int:
    return int(w.ids["county"].strip("/").split("/")[0])


@attempts("PUT", "/people/<int:person_id>/account")
def _(w, a):
    def grant(person, label, target):
        path = f"/people/{person['id']}/account"
        body = {"username": uid("acct"), "password": "Escal@2026x"}
        return Attempt(label, path, target, get(w, f"/people/{person['id']}", *PERSON_KEYS), body)

    found = [grant(resident(w, a), "a resident there", a.paths["grid"])]
    if a.name == "other township":
        T1 = w.ids["T1"]
        cadre = special(
            w, "team cadre", {"roles": ["team_cadre"], "org_unit_id": T1, "team_id": w.ids["t2_team"]}
        )
        staff = special(
            w,
            "county staff",
            {"roles": ["department_staff"], "org_unit_id": T1, "department_id": w.ids["county_department"]},
        )
        found += [
            grant(cadre, "a team cadre here whose team takes that township's villages", a.paths["township"]),
            grant(staff, "a staff member here of a county department", w.ids["county"]),
        ]
    return found


def _account_switch(action):
    def attempts_for(w, a):
        person = w.env.me[a.people["gridworker"]]  # someone there with a login
        path = f"/people/{person['id']}/account/{action}"
        return [
            Attempt(
                f"a grid worker's login there ({action})",
                path,
                a.paths["grid"],
                get(w, f"/people/{person['id']}", "account_disabled"),
                {},
            )
        ]

    return attempts_for


attempts("POST", "/people/<int:person_id>/account/disable")(_account_switch("disable"))
attempts("POST", "/people/<int:person_id>/account/enable")(_account_switch("enable"))


@attempts("POST", "/households")
def _(w, a):
    body = {"code": uid("EH"), "grid_id": a.grid, "address": "越权路 2 号", "head_name": "新户"}
    return [
        Attempt(
            "household there", "/households", a.paths["grid"], total(w, "/households", grid_id=a.grid), body
        )
    ]


@attempts("POST", "/links")
def _(w, a):
    me = w.env.me
    h_out, out_member = household(w, a), me[a.people["member"]]["id"]
    out_worker = me[a.people["gridworker"]]["id"]
    h_in = w.ok("admin", "GET", "/households", params={"grid_id": w.ids["G1"], "per_page": 1})["items"][0]

    def attempt(label, kind, source, target, where, probe_target):
        body = {"kind": kind, "source_id": source, "target_id": target}
        return Attempt(label, "/links", where, total(w, "/links", target_id=probe_target), body)

    found = [
        attempt(
            "their member to their household",
            "member_household",
            out_member,
            h_out["id"],
            a.paths["grid"],
            h_out["id"],
        ),
        attempt(
            "our member to their household",
            "member_household",
            me["member"]["id"],
            h_out["id"],
            a.paths["grid"],
            h_out["id"],
        ),
        attempt(
            "their member to our household",
            "member_household",
            out_member,
            h_in["id"],
            a.paths["grid"],
            h_in["id"],
        ),
        attempt("their grid worker to their grid", "cadre_grid", out_worker, a.grid, a.paths["grid"], a.grid),
    ]
    team = w.ids["teams"].get(a.name)
    if team is not None:
        found.append(
            attempt("a team to their village", "team_village", team, a.village, a.paths["village"], a.village)
        )
    if a.name == "other township":
        found.append(
            attempt(
                "their team to our village",
                "team_village",
                w.ids["t2_team"],
                w.ids["V1"],
                a.paths["township"],
                w.ids["V1"],
            )
        )
    return found


@attempts("DELETE", "/links/<int:link_id>")
def _(w, a):
    lk = link(w, a)
    return [
        Attempt(
            "their link", f"/links/{lk['id']}", a.paths["grid"], total(w, "/links", target_id=lk["target_id"])
        )
    ]


@attempts("POST", "/imports/<string:kind>")
def _(w, a):
    grid_code = w.ok("admin", "GET", f"/org-units/{a.grid}")["code"]
    village_code = w.ok("admin", "GET", f"/org-units/{a.village}")["code"]
    our_grid = w.ok("admin", "GET", f"/org-units/{w.ids['G1']}")["code"]
    h, r = household(w, a), resident(w, a)
    member_code = w.ok("admin", "GET", f"/people/{w.env.me[a.people['member']]['id']}")["code"]

    def csv(kind, text, probe, label):
        files = {"file": (f"{kind}.csv", text.encode("utf-8"), "text/csv")}
        return Attempt(
            label,
            f"/imports/{kind}",
            a.paths["grid"] if kind != "tree" else a.paths["village"],
            probe,
            files=files,
        )

    people_probe = get(w, f"/people/{r['id']}", *PERSON_KEYS)
    return [
        csv(
            "households",
            f"户编号,网格编码,地址,户主\n{uid('EI')},{grid_code},导入路,导入户\n",
            total(w, "/households", grid_id=a.grid),
            "new household there",
        ),
        csv(
            "households",
            f"户编号,网格编码,地址,户主\n{h['code']},{our_grid},搬来,外户\n",
            get(w, f"/households/{h['id']}", "grid_id"),
            "move their household to us",
        ),
        csv(
            "people",
            f"编号,姓名,手机,角色,所属组织编码\n{uid('EI')},导入人,13800000021,居民,{grid_code}\n",
            total(w, "/people", per_page=1),
            "new person there",
        ),
        csv(
            "people",
            f"编号,姓名,手机,角色,所属组织编码\n{r['code']},外格居民,13800000022,居民,{our_grid}\n",
            people_probe,
            "move their person to us",
        ),
        csv(
            "links",
            f"类型,联系人编号,对象编码\n党员联户,{member_code},{h['code']}\n",
            total(w, "/links", target_id=h["id"]),
            "link there",
        ),
        csv(
            "tree",
            f"编码,名称,层级,上级编码\n{uid('EI')},导入网格,网格,{village_code}\n",
            lambda: tree_size(w),
            "grid under their village",
        ),
    ]


def tree_size(w: World) -> int:
    return sum(1 for root in w.ok("admin", "GET", "/org/tree") for _ in walk(root))


# tasks ------------------------------------------------------------------------------------------------


@attempts("POST", "/tasks")
def _(w, a):
    code = uid("ET")[:12]
    w.ok("admin", "POST", "/catalogue", json={"code": code, **MATTER})
    probe = total(w, "/tasks", per_page=1)
    return [
        Attempt(
            f"task to their {level}",
            "/tasks",
            a.paths[level],
            probe,
            {"title": uid("越权"), "matter_code": code, "target_ids": [getattr(a, level)]},
        )
        for level in ("village", "grid")
    ]


def task_attempt(route_tail: str, state: str, body=None, major=False):
    def build(w, a):
        t = task(w, a, state, major)
        return [
            Attempt(
                f"their {state} task",
                f"/tasks/{t['id']}{route_tail}",
                a.paths["village"],
                task_probe(w, t["id"]),
                body,
            )
        ]

    return build


ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/code"] = task_attempt(
    "/code", "needs_code", {"matter_code": "PA001"}
)
ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/approve"] = task_attempt("/approve", "pending")
ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/withdraw"] = task_attempt(
    "/withdraw", "pending", {"reason": "越权撤回"}
)
ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/return"] = task_attempt("/return", "pending", {"reason": "请补充"})
ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/dispatch"] = task_attempt("/dispatch", "approved", {})
ATTEMPTS[f"POST {V1}/tasks/<int:task_id>/decision"] = task_attempt(
    "/decision",
    "pending",
    lambda env, who: {
        "meeting_date": date.today().isoformat(),
        "attendees": ["甲", "乙"],
        "decision": "同意",
        "minutes": env.evidence(who)["attachments"],  # the caller's own upload: only scope refuses
    },
    major=True,
)


@attempts("PATCH", "/tasks/<int:task_id>")
def _(w, a):
    theirs = task(w, a, "pending")
    ours = task(w, w.areas["sibling grid"], "pending", village=w.ids["V1"])  # the first township's, to V1
    later = (date.today() + timedelta(days=30)).isoformat()
    return [
        Attempt(
            "their task",
            f"/tasks/{theirs['id']}",
            a.paths["village"],
            task_probe(w, theirs["id"]),
            {"deadline": later},
        ),
        Attempt(
            "our task sent to their village",
            f"/tasks/{ours['id']}",
            a.paths["village"],
            task_probe(w, ours["id"]),
            {"target_ids": [a.village]},
        ),
    ]


# assignments --------------------------------------------------------------------------------------------


def asg_attempt(action: str, state: str, body=None):
    def build(w, a):
        x = assignment(w, a, state)
        target = a.paths["village"] if state == "dispatched" else a.paths["grid"]
        return [
            Attempt(
                f"their {state} assignment",
                f"/assignments/{x['id']}/{action}",
                target,
                get(w, f"/assignments/{x['id']}"),
                body,
            )
        ]

    return build


@attempts("POST", "/assignments/<int:assignment_id>/assign")
def _(w, a):
    theirs = assignment(w, a, "dispatched")
    ours = assignment(w, w.areas["sibling grid"], "dispatched")  # the first village's
    return [
        Attempt(
            "their assignment",
            f"/assignments/{theirs['id']}/assign",
            a.paths["village"],
            get(w, f"/assignments/{theirs['id']}"),
            {"grid_id": a.grid},
        ),
        Attempt(
            "ours to their grid",
            f"/assignments/{ours['id']}/assign",
            a.paths["grid"],
            get(w, f"/assignments/{ours['id']}"),
            {"grid_id": a.grid},
        ),
        Attempt(
            "ours straight to their grid worker",
            f"/assignments/{ours['id']}/assign",
            a.paths["grid"],
            get(w, f"/assignments/{ours['id']}"),
            {"assignee_id": w.env.me[a.people["gridworker"]]["id"]},
        ),
    ]


ATTEMPTS[f"POST {V1}/assignments/<int:assignment_id>/claim"] = asg_attempt("claim", "assigned")
ATTEMPTS[f"POST {V1}/assignments/<int:assignment_id>/start"] = asg_attempt("start", "claimed")
ATTEMPTS[f"POST {V1}/assignments/<int:assignment_id>/submit"] = asg_attempt(
    "submit",
    "started",
    lambda env, who: {"evidence": env.evidence(who)},  # the caller's own uploads
)
ATTEMPTS[f"POST {V1}/assignments/<int:assignment_id>/accept"] = asg_attempt("accept", "submitted")
ATTEMPTS[f"POST {V1}/assignments/<int:assignment_id>/return"] = asg_attempt(
    "return", "submitted", {"reason": "重办"}
)


# field work ------------------------------------------------------------------------------------------------


MATTER_KEYS = ("level", "status", "handler_id", "department_id", "rating")


@attempts("POST", "/visits")
def _(w, a):
    h = household(w, a)
    body = {"household_id": h["id"], "notes": "越权走访", "attachment_ids": []}
    return [
        Attempt(
            "a visit to their household",
            "/visits",
            a.paths["grid"],
            total(w, "/visits", household_id=h["id"]),
            body,
        )
    ]


@attempts("POST", "/visits/<int:visit_id>/rating-code")
def _(w, a):
    v = visit(w, a)
    return [
        Attempt(
            "their visit", f"/visits/{v['id']}/rating-code", a.paths["grid"], get(w, f"/visits/{v['id']}")
        )
    ]


@attempts("POST", "/matters")
def _(w, a):
    body = {"grid_id": a.grid, "title": uid("越权事项")}
    return [
        Attempt(
            "a matter in their grid", "/matters", a.paths["grid"], total(w, "/matters", grid_id=a.grid), body
        )
    ]


def matter_attempt(action: str, level: str, body: dict | None = None):
    def build(w, a):
        m = matter(w, a, level)
        return [
            Attempt(
                f"their {level} matter",
                f"/matters/{m['id']}/{action}",
                a.paths["grid"],
                get(w, f"/matters/{m['id']}", *MATTER_KEYS),
                body or {},
            )
        ]

    return build


ATTEMPTS[f"POST {V1}/matters/<int:matter_id>/escalate"] = matter_attempt("escalate", "grid")
ATTEMPTS[f"POST {V1}/matters/<int:matter_id>/take"] = matter_attempt("take", "dispatched")
ATTEMPTS[f"POST {V1}/matters/<int:matter_id>/resolve"] = matter_attempt(
    "resolve", "grid", {"note": "越权办结"}
)


@attempts("POST", "/matters/<int:matter_id>/dispatch")
def _(w, a):
    theirs, ours = matter(w, a, "department"), inside_matter(w)
    attempts = [
        Attempt(
            "their matter",
            f"/matters/{theirs['id']}/dispatch",
            a.paths["grid"],
            get(w, f"/matters/{theirs['id']}", *MATTER_KEYS),
            {"department_id": a.department},
        )
    ]
    if a.township != w.ids["T1"]:
        # our own township's platform serves our matter: naming it is no escalation (the team
        # cadres of our village, whose scope is villages, dispatch there); another township's is
        attempts.append(
            Attempt(
                "ours to their department",
                f"/matters/{ours['id']}/dispatch",
                a.paths["township"],
                get(w, f"/matters/{ours['id']}", *MATTER_KEYS),
                {"department_id": a.department},
            )
        )
    return attempts


@attempts("POST", "/matters/<int:matter_id>/rate")
def _(w, a):
    mid = mail_matter(w, a)
    return [
        Attempt(
            "their letter",
            f"/matters/{mid}/rate",
            a.paths["grid"],
            get(w, f"/matters/{mid}", *MATTER_KEYS),
            {"rating": 5, "comment": "好"},
        )
    ]


# procedures, projects, subscriptions ------------------------------------------------------------------------


@attempts("POST", "/procedures")
def _(w, a):
    body = {"template_code": "LXHY", "village_id": a.village, "title": uid("越权议事")}
    return [
        Attempt(
            "a procedure in their village",
            "/procedures",
            a.paths["village"],
            total(w, "/procedures", per_page=1),
            body,
        )
    ]


@attempts("POST", "/procedures/<int:procedure_id>/steps/<int:position>/complete")
def _(w, a):
    p = procedure(w, a)
    evidence = {"proposals": [{"source": "cadre", "content": "路灯维护"}], "summary": "议题 1 项"}
    return [
        Attempt(
            "their procedure",
            f"/procedures/{p['id']}/steps/0/complete",
            a.paths["village"],
            get(w, f"/procedures/{p['id']}", "current_step", "status"),
            {"evidence": evidence},
        )
    ]


def _project_probe(w: World, pid: int):
    return lambda: (lambda p: (p["status"], sorted(b["id"] for b in p["bids"])))(
        w.ok("admin", "GET", f"/projects/{pid}")
    )


@attempts("POST", "/projects")
def _(w, a):
    if a.name != "other township":
        return []  # a project is the township's: inside it every village may see and bid
    return [
        Attempt(
            "a project of their township",
            "/projects",
            a.paths["township"],
            total(w, "/projects", per_page=1),
            project_body(a.township),
        )
    ]


@attempts("POST", "/projects/<int:project_id>/bids")
def _(w, a):
    if a.name != "other township":
        return []
    p = project(w, a)
    return [
        Attempt(
            "their project",
            f"/projects/{p['id']}/bids",
            a.paths["township"],
            _project_probe(w, p["id"]),
            {"case": uid("材料")},
        )
    ]


@attempts("POST", "/projects/<int:project_id>/award")
def _(w, a):
    if a.name != "other township":
        return []
    p, bid = project(w, a, with_bid=True)
    return [
        Attempt(
            "their project",
            f"/projects/{p['id']}/award",
            a.paths["township"],
            _project_probe(w, p["id"]),
            {"bid_id": bid["id"], "reason": "最优"},
        )
    ]


@attempts("POST", "/subscriptions")
def _(w, a):
    body = {
        "name": uid("订阅"),
        "url": "http://127.0.0.1:9/h",
        "event_types": ["grassroots.#"],
        "org_path": a.paths["grid"],
    }
    return [
        Attempt(
            "events of their grid",
            "/subscriptions",
            a.paths["grid"],
            total(w, "/subscriptions", per_page=1),
            body,
        )
    ]


@attempts("DELETE", "/subscriptions/<int:subscription_id>")
def _(w, a):
    s = subscription(w, a)
    return [
        Attempt(
            "their subscription",
            f"/subscriptions/{s['id']}",
            a.paths["village"],
            total(w, "/subscriptions", per_page=1),
        )
    ]


# -- the test ------------------------------------------------------------------------------------------------


def write_routes() -> set[str]:
    return {f"{r.method} {r.path}" for r in ROUTES if r.method in WRITE_METHODS}


def test_every_write_route_has_attempts_or_a_reason():
    routes = write_routes()
    assert not set(ATTEMPTS) - routes, f"attempts for routes that do not exist: {set(ATTEMPTS) - routes}"
    assert not set(NAMES_NOTHING) - routes, (
        f"reasons for routes that do not exist: {set(NAMES_NOTHING) - routes}"
    )
    assert not set(ATTEMPTS) & set(NAMES_NOTHING)
    missing = routes - set(ATTEMPTS) - set(NAMES_NOTHING)
    assert not missing, f"write routes with neither escalation attempts nor a reason: {sorted(missing)}"


@dataclass
class Cell:
    route: str
    role: str
    area: str
    label: str
    status: int = 0
    why: str = ""


@pytest.fixture(scope="module")
def world(platform_module):
    return build_world(platform_module)


def covered(scope: list[str], path: str) -> bool:
    return any(path.startswith(p) for p in scope)


def test_no_escalation_succeeds(world):
    env = world.env
    cells: list[Cell] = []
    bad: list[Cell] = []
    for key in sorted(ATTEMPTS):
        method = key.split(" ", 1)[0]
        for role, username in env.actors.items():
            scope = env.me[username]["scope"]
            for name in AREAS:
                area = world.areas[name]
                for attempt in ATTEMPTS[key](world, area):
                    if covered(scope, attempt.target):
                        continue  # inside this caller's scope: not an escalation
                    cell = Cell(key, role, name, attempt.label)
                    before = attempt.probe()
                    body = attempt.json(env, username) if callable(attempt.json) else attempt.json
                    kw = (
                        {"files": attempt.files}
                        if attempt.files
                        else {"json": body if body is not None else {}}
                    )
                    r = env.call(username, method, attempt.path, **kw)
                    cell.status = r.status_code
                    after = attempt.probe()
                    if not 400 <= r.status_code < 500:
                        cell.why = f"{r.status_code} {r.text[:160]}"
                    elif not r.json().get("code") or not r.json().get("title"):
                        cell.why = f"{r.status_code} without a problem body: {r.text[:120]}"
                    if after != before:
                        cell.why += f" | changed: {before!r} -> {after!r}"
                    cells.append(cell)
                    if cell.why:
                        bad.append(cell)
    by_role = {role: sum(c.role == role for c in cells) for role in env.actors}
    print(f"escalation cells {len(cells)}, succeeded or changed {len(bad)}; per role {by_role}")
    assert by_role["county_admin"] == 0  # the county admin's scope is the county: nothing is outside
    assert all(by_role[r] > 0 for r in env.actors if r != "county_admin"), by_role
    assert len({c.route for c in cells}) == len(ATTEMPTS)  # every route was tried by someone
    assert not bad, "\n".join(f"{c.route} [{c.role} → {c.area}: {c.label}] {c.why}" for c in bad)
