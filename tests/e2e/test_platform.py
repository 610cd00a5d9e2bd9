"""The platform as a user runs it: five `nameko run` processes, driven over HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from services.grids import commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import make_uow_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROCESSES = {
    "grids": "services.grids.service",
    "tasks": "services.tasks.service",
    "scoring": "services.scoring.service",
    "notify": "services.notify.service",
    "gateway": "gateway.service",
}
RPC_TIMEOUT = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    def __init__(self, env: dict, base_url: str, logs_dir):
        self.env, self.base_url, self.logs_dir = env, base_url, logs_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        log = open(self.logs_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", "deploy/nameko.yaml", PROCESSES[name]],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in self.logs_dir.glob("*.log"))
        raise AssertionError("platform not ready in time:\n" + logs)

    def login(self, username: str) -> dict:
        r = requests.post(
            self.base_url + "/api/v1/auth/login",
            json={"username": username, "password": DEMO_PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return {"Authorization": "Bearer " + r.json()["token"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request, vhost, tmp_path, pg_databases, sqlite_databases):
    make_db = pg_databases if request.param == "postgresql" else sqlite_databases
    urls = {service: make_db(service) for service in ("grids", "tasks", "scoring", "notify")}
    with make_uow_factory(urls["grids"], models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": ROOT,
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "AMQP_URI": vhost,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "GOV_ENV": "test",
        "GOV_RPC_TIMEOUT": str(RPC_TIMEOUT),
        "GOV_VAR_DIR": str(tmp_path / "var"),
        **{f"{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Platform(env, f"http://127.0.0.1:{port}", logs)
    for name in ("notify", "grids", "tasks", "scoring", "gateway"):
        running.start(name)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_all()


def test_platform_end_to_end(platform):
    base = platform.base_url
    assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
    spec = requests.get(base + "/openapi.json", timeout=5).json()
    assert spec["openapi"].startswith("3.") and "/api/v1/org/tree" in spec["paths"]
    assert "swagger-ui" in requests.get(base + "/docs", timeout=5).text

    # two roles read the tree and see different things
    leader, worker = platform.login("township"), platform.login("gridworker")
    leader_tree = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).json()
    worker_tree = requests.get(base + "/api/v1/org/tree", headers=worker, timeout=10).json()
    assert [n["level"] for n in leader_tree] == ["township"]
    assert [n["level"] for n in worker_tree] == ["grid"]
    assert worker_tree[0]["id"] != leader_tree[0]["id"]
    other = platform.login("township2")
    outside_unit = requests.get(base + "/api/v1/org/tree", headers=other, timeout=10).json()[0]["children"][
        0
    ]["id"]
    r = requests.get(f"{base}/api/v1/org-units/{outside_unit}", headers=leader, timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "not_found"

    # no token, a bad token, bad bodies: clear 4xx problems, in Chinese or English
    r = requests.get(base + "/api/v1/org/tree", timeout=10)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["title"] == "请先登录"
    r = requests.get(base + "/api/v1/org/tree", headers={"Authorization": "Bearer nonsense"}, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    r = requests.post(
        base + "/api/v1/people", headers={**leader, "Accept-Language": "en"}, json={"name": ""}, timeout=10
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    assert r.json()["title"] == "The submitted data is invalid" and "code" in r.json()["errors"]
    r = requests.post(base + "/api/v1/people", headers=leader, data="{oops", timeout=10)
    assert r.status_code == 415
    r = requests.post(
        base + "/api/v1/people",
        headers={**leader, "Content-Type": "application/json"},
        data="{oops",
        timeout=10,
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_json"
    assert requests.get(base + "/api/v1/no-such-thing", timeout=10).status_code == 404
    assert requests.put(base + "/api/v1/people", headers=leader, timeout=10).status_code == 405
    r = requests.post(base + "/api/v1/auth/login", json={"username": "township", "password": "x"}, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == "login_failed"

    # a write goes through and its event reaches the person's inbox via the outbox
    village = leader_tree[0]["children"][0]
    r = requests.post(
        base + "/api/v1/people",
        headers=leader,
        json={
            "code": "E2E1",
            "name": "钱进",
            "roles": ["village_cadre"],
            "org_unit_id": village["id"],
            "phone": "13900001111",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "13900001111"
    assert (
        requests.post(
            base + "/api/v1/people", headers=leader, json={**r.json(), "id": None}, timeout=10
        ).status_code
        == 422
    )

    # bulk import through the gateway: a template, a valid file, a bad one (nothing written), out of scope
    r = requests.get(base + "/api/v1/imports/households/template", headers=leader, timeout=10)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    grid = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).json()[0]["children"][0][
        "children"
    ][0]
    good = f"户编号,网格编码,地址,户主,联系电话\nH-E2E-1,{grid['code']},一组1号,陈一,13900002222\n"
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 1)
    bad = good + "H-E2E-2,NOPE,二组2号,陈二,123\n"
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=leader,
        files={"file": ("h.csv", bad.encode())},
        timeout=30,
    )
    assert r.status_code == 422 and r.json()["code"] == "import_invalid"
    assert {e["row"] for e in r.json()["errors"]["rows"]} == {3}
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=other,
        files={"file": ("h.csv", good.replace("陈一", "改名").encode())},
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["code"] == "out_of_scope"
    r = requests.post(
        base + "/api/v1/imports/households",
        headers=worker,
        files={"file": ("h.csv", good.encode())},
        timeout=30,
    )
    assert r.status_code == 403

    # a stopped service: 503 within the timeout, never a hang; readiness says which
    platform.kill("grids")
    started = time.monotonic()
    r = requests.get(base + "/api/v1/org/tree", headers=leader, timeout=30)
    elapsed = time.monotonic() - started
    assert r.status_code in (503, 504) and r.json()["code"] in ("service_unavailable", "service_timeout")
    assert elapsed < RPC_TIMEOUT + 2
    ready = requests.get(base + "/readyz", timeout=30)
    assert ready.status_code == 503 and ready.json()["services"]["grids"] != "ok"

    # and it recovers by itself once the service is back
    platform.start("grids")
    platform.wait_ready()
    assert requests.get(base + "/api/v1/org/tree", headers=leader, timeout=10).status_code == 200
