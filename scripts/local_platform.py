"""Run the platform's five processes with a given environment, for tests and benchmarks.

Not the way users run it (`make up` uses honcho and the Procfile): this starts each
`nameko run` directly, so a caller can kill and restart one of them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import requests

from common import crypto, keys
from services.grids.demo import DEMO_PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROCESSES = {
    "grids": "services.grids.service:GridsService",
    "tasks": "services.tasks.service:TasksService",
    "scoring": "services.scoring.service:ScoringService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "gateway.service:GatewayService",
}
RPC_TIMEOUT = 2


def process_env(amqp_uri: str, var_dir, **settings: str) -> dict:
    """The environment of a platform process started from this checkout for a test or a
    benchmark: this code on the path, test mode, its own broker vhost and var/ folder, and
    `settings` (database URLs, the web address, …) on top. The field keys are this process's,
    so the platform reads what the caller sealed (a seeded county, say)."""
    return {
        **os.environ,
        "PYTHONPATH": ROOT,
        "PYTHONWARNINGS": "ignore",
        "AMQP_URI": amqp_uri,
        "GOV_ENV": "test",
        "GOV_VAR_DIR": str(var_dir),
        **keys.as_env(crypto.keyring()),
        **settings,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Platform:
    def __init__(self, env: dict, base_url: str, logs_dir):
        self.env, self.base_url, self.logs_dir = env, base_url, logs_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        """Start a process by name; `grids#2` is a second replica of grids."""
        log = open(self.logs_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nameko",
                "run",
                "--config",
                "deploy/nameko.yaml",
                PROCESSES[name.split("#")[0]],
            ],
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


# -- throwaway databases and vhosts (tests and benchmarks) -------------------------------

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1:5672")
RABBIT_API = os.environ.get("TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api")


def _pg_admin_execute(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def create_pg_database(service: str, prefix: str = "gov_test", migrate: bool = True) -> tuple[str, str]:
    """A fresh PostgreSQL database for `service`, migrated unless told not to: (name, url)."""
    from common.migrations import upgrade

    name = f"{prefix}_{service}_{uuid.uuid4().hex[:10]}"
    _pg_admin_execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    if migrate:
        upgrade(service, url)
    return name, url


def drop_pg_database(name: str) -> None:
    _pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_vhost(prefix: str = "gov-test") -> tuple[str, str]:
    """A RabbitMQ vhost of its own (management API): (name, amqp uri)."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    requests.put(f"{RABBIT_API}/vhosts/{name}", timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{name}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    return name, f"amqp://guest:guest@{AMQP_HOST}/{name}"


def delete_vhost(name: str) -> None:
    requests.delete(f"{RABBIT_API}/vhosts/{name}", timeout=10)
