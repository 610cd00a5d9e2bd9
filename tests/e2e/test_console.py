"""The reference web console (console/, issue 10): it builds into static files served under
/console/, and in headless Chromium three roles do one real piece of work each through it.

Needs Node.js 20.19+ with npm (the build) and Debian's chromium at /usr/bin/chromium (or
CHROMIUM=...), driven by playwright-core from console/node_modules. Screenshots are kept under
var/test-artifacts/console/ (or CONSOLE_SHOTS_DIR).
"""

import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from services.tasks.fieldwork.domain import month_of

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
DIST = CONSOLE / "dist"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("CONSOLE_SHOTS_DIR", ROOT / "var" / "test-artifacts" / "console"))


def _run(args, timeout):
    result = subprocess.run(args, cwd=CONSOLE, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def built_console():
    """`npm ci` when node_modules is missing, then `npm run build`, as `make up` does."""
    assert shutil.which("npm"), "npm is needed to build the console (install Node.js 20.19+)"
    if not (CONSOLE / "node_modules" / ".package-lock.json").exists():
        _run(["npm", "ci", "--no-audit", "--no-fund"], timeout=600)
    _run(["npm", "run", "build"], timeout=300)
    return DIST


def test_console_builds_into_static_files_under_console(built_console):
    index = built_console / "index.html"
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', html)
    assert any(a.endswith(".js") for a in assets), html
    assert any(a.endswith(".css") for a in assets), html
    for asset in assets:  # every referenced file was produced by this build
        assert (built_console / asset.removeprefix("/console/")).is_file(), asset
    assert '<html lang="zh-CN">' in html
    # nothing points outside /console/ (the gateway serves only that prefix)
    assert not re.search(r'(?:src|href)="/(?!console/)', html), html


def test_console_in_headless_chromium_three_roles_one_round_trip(built_console, platform_pg, tmp_path):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    base = platform_pg.base_url
    # the gateway serves the built console, with client-side routes falling back to index.html
    for path in ("/console/", "/console/tasks/mine"):
        r = requests.get(base + path, timeout=10)
        assert r.status_code == 200 and "text/html" in r.headers["Content-Type"], (path, r.status_code)
        # served under a policy without eval or inline scripts; console.mjs fails on any violation
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-eval" not in csp, csp
    # the demo county's default matter catalogue, as a county admin loads it once
    headers = platform_pg.login("admin")
    r = requests.post(base + "/api/v1/catalogue/seed-default", headers=headers, timeout=30)
    assert r.status_code == 200, r.text

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    env = {
        **os.environ,
        "CONSOLE_URL": base + "/console/",
        "SHOTS_DIR": str(SHOTS),
        "CHROMIUM": CHROMIUM,
        "SCENARIO": "flow",
        "FLOW_MATTER_CODE": "AQ001",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        ["node", "e2e/console.mjs"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "console e2e: ok" in result.stdout
    shots = sorted(p.name for p in SHOTS.glob("*.png"))
    for expected in (
        "01-login.png",
        "02-org-tree.png",
        "03-inbox.png",
        "12-township-dispatched.png",
        "22-cadre-my-tasks.png",
        "31-township-board.png",
    ):
        assert expected in shots, shots


def test_swagger_ui_works_under_its_csp(built_console, platform_pg):
    """/docs in headless Chromium: Swagger UI renders every operation and opens one, and the
    page's Content-Security-Policy blocks nothing it needs (docs.mjs fails on a violation)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    env = {**os.environ, "DOCS_URL": platform_pg.base_url + "/docs", "CHROMIUM": CHROMIUM}
    result = subprocess.run(
        ["node", "e2e/docs.mjs"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert re.search(r"docs e2e: ok \((\d+) operations\)", result.stdout), result.stdout


def test_phone_app_at_390x844(built_console, platform_pg, tmp_path):
    """The phone app (/console/m/) at 390×844, in headless Chromium (e2e/phone.mjs): the linked member
    records a visit and sees the household marked and in the feed; the household rates it on the
    public page with the code from the SMS; with the network switched off the member records two
    visits, which wait on the phone (待发送, still there after a reload) and go out once each when
    it is back, even when the answer to the first is lost; the resident writes (once with no
    signal: the letter waits on the phone), photographs and speaks to the mailbox and follows the
    letter until the grid worker has handled it and the resident rates it; a newcomer writes
    without an account. Every screen: no horizontal overflow, no page error, touch targets of at
    least 44 px. Screenshots under var/test-artifacts/console/phone/."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    base = platform_pg.base_url
    api = base + "/api/v1"
    admin = platform_pg.login("admin")
    member = platform_pg.login("member")
    # this month's visit lists, as `make up` issues them after start
    r = requests.post(api + "/visit-lists/sync", headers=admin, timeout=120)
    assert r.status_code == 200, r.text
    month = month_of(datetime.now(UTC))
    r = requests.post(api + "/visit-lists/generate", headers=admin, json={"month": month}, timeout=120)
    assert r.status_code == 200, r.text
    mine = requests.get(api + "/visit-lists/mine", headers=member, timeout=10).json()
    assert mine["households"] and mine["visited"] == 0, mine
    first = mine["items"][0]["household_id"]
    household = requests.get(f"{api}/households/{first}", headers=member, timeout=10).json()
    assert household["phone"], household
    # two more of the member's households, visited with the network switched off
    assert len(mine["items"]) >= 3, mine
    away = [
        requests.get(f"{api}/households/{i['household_id']}", headers=member, timeout=10).json()
        for i in mine["items"][1:3]
    ]
    resident = requests.get(api + "/me", headers=platform_pg.login("resident"), timeout=10).json()
    # a task the township sends to all its villages, for the village cadre to do on the phone
    assert requests.post(api + "/catalogue/seed-default", headers=admin, timeout=30).status_code == 200
    township = platform_pg.login("township")
    township_id = requests.get(api + "/me", headers=township, timeout=10).json()["org_unit_id"]
    title = "燃气使用安全检查(手机办理)"
    body = {"title": title, "matter_code": "AQ001", "target_ids": [township_id]}
    task = requests.post(api + "/tasks", headers=township, json=body, timeout=30).json()
    assert requests.post(f"{api}/tasks/{task['id']}/approve", headers=township, json={}, timeout=30).ok
    r = requests.post(
        f"{api}/tasks/{task['id']}/dispatch", headers=township, json={"org_unit_id": township_id}, timeout=60
    )
    assert r.status_code == 200, r.text

    shots = SHOTS / "phone"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    env = {
        **os.environ,
        "CONSOLE_URL": base + "/console/",
        "SHOTS_DIR": str(shots),
        "CHROMIUM": CHROMIUM,
        "TMPDIR": str(tmp_path),
        "SMS_OUTBOX": str(tmp_path / "var" / "sms" / "outbox.jsonl"),
        "HOUSEHOLD_ID": str(first),
        "HOUSEHOLD_NAME": household["head_name"],
        "HOUSEHOLD_PHONE": household["phone"],
        "RESIDENT_GRID_ID": str(resident["org_unit_id"]),
        "TASK_TITLE": title,
        "OFFLINE_HOUSEHOLDS": ",".join(f"{h['id']}:{h['head_name']}" for h in away),
    }
    result = subprocess.run(
        ["node", "e2e/phone.mjs"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "phone e2e: ok" in result.stdout

    # what the screens did is in the platform
    mine = requests.get(api + "/visit-lists/mine", headers=member, timeout=10).json()
    item = next(i for i in mine["items"] if i["household_id"] == first)
    assert item["visited"] and item["rating"] == 4, item
    visit = requests.get(f"{api}/visits/{item['visit_id']}", headers=member, timeout=10).json()
    assert "了解家中用水用电情况" in visit["notes"], visit
    assert visit["location"] == pytest.approx({"lat": 28.9701, "lng": 118.8702}, abs=1e-4), visit
    assert len(visit["attachment_ids"]) == 1 and visit["needs_raised"] == 1, visit
    assert visit["rating_comment"] == "党员来得勤,问题解决得快"
    # the visits recorded offline went out once each (one of them twice, its first answer lost),
    # with the photo kept on the phone and the position
    for h, notes, photos in ((away[0], "山里没有信号", 1), (away[1], "没有信号时补记", 0)):
        visits = requests.get(
            api + "/visits", headers=member, params={"household_id": h["id"]}, timeout=10
        ).json()
        assert len(visits["items"]) == 1, (h["id"], visits)
        v = visits["items"][0]
        assert notes in v["notes"] and len(v["attachment_ids"]) == photos, v
        assert v["location"] == pytest.approx({"lat": 28.9701, "lng": 118.8702}, abs=1e-4), v
    letters = requests.get(api + "/matters", headers=platform_pg.login("resident"), timeout=10).json()[
        "items"
    ]
    assert {m["kind"] for m in letters if m["source"] == "mailbox"} >= {"text", "photo", "voice"}, letters
    # the letter written with no signal arrived once
    assert sum("桥边护栏松了" in f"{m['title']} {m.get('description') or ''}" for m in letters) == 1, letters
    names = sorted(p.name for p in shots.glob("*.png"))
    for expected in (
        "m01-member-visits.png",
        "m03-member-visit-form.png",
        "m04-member-visited.png",
        "m05-member-feed.png",
        "m10-household-rate.png",
        "m20-resident-mailbox.png",
        "m23-resident-matters.png",
        "m31-resident-rated.png",
        "m40-newcomer-letter.png",
        "m51-cadre-submit.png",
        "m52-cadre-submitted.png",
        "m60-offline-queued.png",
        "m61-offline-sent.png",
        "m62-offline-reloaded.png",
    ):
        assert expected in names, names


def test_backoffice_screens_procedures_projects_catalogue_import_ledger(built_console, platform_pg, tmp_path):
    """The back office's screens of issue part 7 at 1440×900 (e2e/backoffice.mjs): the county admin
    adds a matter to the catalogue, imports people with one bad row and sees its error beside the
    row, verifies the ledger chains (完整); the village secretary starts 五议两公开, sees a returned
    step's reasons and completes two steps with their evidence (minutes uploaded); the township
    leader posts a project, the secretary bids, the township awards it with its reason (已揭榜).
    No horizontal overflow, page error or CSP violation on any screen; screenshots b01-….png."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    base = platform_pg.base_url
    api = base + "/api/v1"
    admin = platform_pg.login("admin")
    assert requests.post(api + "/catalogue/seed-default", headers=admin, timeout=30).status_code == 200
    r = requests.post(api + "/procedure-templates/seed-default", headers=admin, timeout=30)
    assert r.status_code == 200, r.text
    secretary = platform_pg.login("secretary")
    village_id = requests.get(api + "/me", headers=secretary, timeout=10).json()["org_unit_id"]
    village = requests.get(f"{api}/org-units/{village_id}", headers=admin, timeout=10).json()
    matter = requests.get(api + "/catalogue/AQ001", headers=admin, timeout=10).json()
    assert "village" in matter["levels"] and not matter["major"], matter
    run = str(int(datetime.now(UTC).timestamp()) % 100000)

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("b*.png"):
        old.unlink()
    env = {
        **os.environ,
        "CONSOLE_URL": base + "/console/",
        "SHOTS_DIR": str(SHOTS),
        "CHROMIUM": CHROMIUM,
        "TMPDIR": str(tmp_path),
        "RUN_ID": run,
        "VILLAGE_CODE": village["code"],
        "PROJECT_MATTER": matter["name"],
    }
    result = subprocess.run(
        ["node", "e2e/backoffice.mjs"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "backoffice e2e: ok" in result.stdout

    # what the screens did is in the platform
    added = requests.get(f"{api}/catalogue/BO{run}", headers=admin, timeout=10).json()
    assert added["name"] == f"村级文化广场维护{run}" and added["levels"] == ["village"], added
    people = requests.get(api + "/people", headers=admin, params={"q": "王建国"}, timeout=10).json()["items"]
    assert not [p for p in people if p["code"] == f"BOP{run}1"], "a file with a bad row wrote its good row"
    projects = requests.get(api + "/projects", headers=admin, params={"status": "awarded"}, timeout=10).json()
    project = next(p for p in projects["items"] if p["title"] == f"村级光伏试点{run}")
    assert project["award_reason"] == "方案完整、群众基础好、已有屋顶资源", project
    assert project["awarded_village_id"] == village_id and project["task_id"], project
    procedures = requests.get(api + "/procedures", headers=secretary, timeout=10).json()["items"]
    proc = next(p for p in procedures if p["title"] == f"村道硬化工程{run}")
    proc = requests.get(f"{api}/procedures/{proc['id']}", headers=secretary, timeout=10).json()
    assert [s["status"] for s in proc["steps"][:3]] == ["completed", "completed", "open"], proc["steps"]
    assert proc["returns"] == 1 and proc["return_history"][0]["step_key"] == "proposal", proc
    assert proc["steps"][1]["evidence"]["minutes"], proc["steps"][1]
    chain = requests.get(api + "/ledger-chain/verify", headers=admin, timeout=60).json()
    assert chain["ok"] and chain["rows"] > 0, chain
    names = sorted(p.name for p in SHOTS.glob("b*.png"))
    for expected in (
        "b01-catalogue-added.png",
        "b02-import-row-error.png",
        "b04-ledger-verified.png",
        "b13-project-awarded.png",
        "b20-procedure-returned.png",
        "b21-procedure-step-done.png",
    ):
        assert expected in names, names


def test_every_role_starts_on_its_work_at_both_sizes(built_console, platform_pg, tmp_path):
    """Issue 18 parts 8–9 (e2e/tour.mjs): every demo role signs in at 1440×900 and at 390×844,
    lands on its day's work (township: review; department: its orders; secretary, cadre, grid
    worker: their tasks — on the phone, the phone app; member: the visit list; resident: the
    mailbox), opens every screen its menu or tab bar offers with no overflow, page error, failed
    load, "#12" or enum value on it, and an inbox item opens the thing it is about."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    base = platform_pg.base_url
    api = base + "/api/v1"
    admin = platform_pg.login("admin")
    assert requests.post(api + "/visit-lists/sync", headers=admin, timeout=120).status_code == 200
    month = month_of(datetime.now(UTC))
    r = requests.post(api + "/visit-lists/generate", headers=admin, json={"month": month}, timeout=120)
    assert r.status_code == 200, r.text
    assert requests.post(api + "/catalogue/seed-default", headers=admin, timeout=30).status_code == 200
    # a department's task awaits the township's review: the township leader's inbox says so
    township = platform_pg.login("township")
    township_id = requests.get(api + "/me", headers=township, timeout=10).json()["org_unit_id"]
    dept = platform_pg.login("dept")
    body = {"title": "农房安全隐患排查(部门发起)", "matter_code": "AQ001", "target_ids": [township_id]}
    task = requests.post(api + "/tasks", headers=dept, json=body, timeout=30)
    assert task.status_code == 201, task.text
    task_id = task.json()["id"]
    told = []
    for _ in range(60):  # the inbox item arrives over the bus
        told = [
            i
            for i in requests.get(api + "/inbox", headers=township, timeout=10).json()["items"]
            if (i.get("ref") or {}).get("kind") == "task" and i["ref"]["id"] == task_id
        ]
        if told:
            break
        time.sleep(0.5)
    assert told, "the township leader was not told of the task awaiting review"

    shots = SHOTS / "tour"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    env = {**os.environ, "CONSOLE_URL": base + "/console/", "SHOTS_DIR": str(shots), "CHROMIUM": CHROMIUM}
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        ["node", "e2e/tour.mjs"], cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "tour e2e: ok" in result.stdout
    names = {p.name for p in shots.glob("*.png")}
    for who in ("township", "dept", "secretary", "gridworker", "member", "resident"):
        for size in ("desk", "phone"):
            assert f"{who}-{size}-00-home.png" in names, sorted(names)
    assert any(n.startswith("township-desk-") and n.endswith("-opened-from-inbox.png") for n in names)
