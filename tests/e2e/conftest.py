"""Fixtures for end-to-end tests: the platform as five `nameko run` processes, driven over HTTP.

`platform` runs on both SQLite and PostgreSQL; `platform_pg` on PostgreSQL only (faster,
for feature tests). Both seed the demo county first.
"""

from contextlib import contextmanager

import pytest

from scripts.local_platform import RPC_TIMEOUT, Platform, free_port, process_env
from services.grids import commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from tests.conftest import make_uow_factory

__all__ = ["RPC_TIMEOUT", "platform", "platform_module", "platform_pg"]


def start_platform(make_db, vhost, tmp_path, extra_env: dict | None = None):
    urls = {service: make_db(service) for service in ("grids", "tasks", "scoring", "notify")}
    with make_uow_factory(urls["grids"], models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    port = free_port()
    settings = {
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "GOV_PUBLIC_URL": f"http://127.0.0.1:{port}",  # the rating SMS links here
        "GOV_RPC_TIMEOUT": str(RPC_TIMEOUT),
        # webhooks in these tests go to 127.0.0.1 only; loopback is refused unless listed
        "GOV_OUTBOUND_ALLOW_CIDRS": "127.0.0.1/32",
        **{f"{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    env = process_env(vhost, tmp_path / "var", **settings | (extra_env or {}))  # extra_env wins
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Platform(env, f"http://127.0.0.1:{port}", logs)
    for name in ("notify", "grids", "tasks", "scoring", "gateway"):
        running.start(name)
    return running


@contextmanager
def running_platform(make_db, vhost, tmp_path, extra_env: dict | None = None):
    """The platform started, ready, and stopped again however the block ends."""
    running = start_platform(make_db, vhost, tmp_path, extra_env)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request, vhost, tmp_path, pg_databases, sqlite_databases):
    make_db = pg_databases if request.param == "postgresql" else sqlite_databases
    with running_platform(make_db, vhost, tmp_path) as running:
        yield running


@pytest.fixture
def platform_pg(vhost, tmp_path, pg_databases):
    with running_platform(pg_databases, vhost, tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def platform_module(vhost, tmp_path_factory, pg_databases):
    """One platform for a whole test module (property-based tests make many requests)."""
    with running_platform(
        pg_databases,
        vhost,
        tmp_path_factory.mktemp("platform"),
        {"GOV_LOGIN_PER_MINUTE": "1000", "GOV_IMPORT_MAX_ROWS": "200"},
    ) as running:
        yield running
