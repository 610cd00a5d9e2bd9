"""Fixtures for end-to-end tests: the platform as five `nameko run` processes, driven over HTTP.

`platform` runs on both SQLite and PostgreSQL; `platform_pg` on PostgreSQL only (faster,
for feature tests). Both seed the demo county first.
"""

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
    "grids": "services.grids.service:GridsService",
    "tasks": "services.tasks.service:TasksService",
    "scoring": "services.scoring.service:ScoringService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "gateway.service:GatewayService",
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


def start_platform(make_db, vhost, tmp_path):
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
    return running


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request, vhost, tmp_path, pg_databases, sqlite_databases):
    make_db = pg_databases if request.param == "postgresql" else sqlite_databases
    running = start_platform(make_db, vhost, tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def platform_pg(vhost, tmp_path, pg_databases):
    running = start_platform(pg_databases, vhost, tmp_path)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_all()
