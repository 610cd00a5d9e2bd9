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
from pathlib import Path

import pytest
import requests

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
