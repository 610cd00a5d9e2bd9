"""Test fixtures against the real parts: PostgreSQL, RabbitMQ (a vhost per test module)
and SQLite. eventlet is patched first, or container tests hang."""

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402
import warnings  # noqa: E402

import psycopg2  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from common.config import nameko_config  # noqa: E402
from common.db import UnitOfWork  # noqa: E402
from common.migrations import upgrade  # noqa: E402
from common.storage import make_engine  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1:5672")
RABBIT_API = os.environ.get("TEST_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api")


def _pg_admin():
    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_databases():
    """Make a fresh, migrated PostgreSQL database for a service: `make(service) -> url`."""
    created = []

    def make(service: str) -> str:
        name = f"gov_test_{service}_{uuid.uuid4().hex[:10]}"
        conn = _pg_admin()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        created.append(name)
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        upgrade(service, url)
        return url

    yield make
    conn = _pg_admin()
    with conn.cursor() as cur:
        for name in created:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture
def sqlite_databases(tmp_path):
    def make(service: str) -> str:
        url = f"sqlite:///{tmp_path / (service + '.db')}"
        upgrade(service, url)
        return url

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request, pg_databases, sqlite_databases):
    """Both backends: the embedded default and production's."""
    return pg_databases if request.param == "postgresql" else sqlite_databases


def make_uow_factory(url: str, models):
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    return lambda: UnitOfWork(factory, models.OutboxMessage, models.ProcessedEvent)


@pytest.fixture(scope="module")
def vhost():
    """A RabbitMQ vhost of its own (management API), deleted afterwards: `amqp://…/<vhost>`."""
    name = f"gov-test-{uuid.uuid4().hex[:10]}"
    requests.put(f"{RABBIT_API}/vhosts/{name}", timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{name}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    ).raise_for_status()
    yield f"amqp://guest:guest@{AMQP_HOST}/{name}"
    requests.delete(f"{RABBIT_API}/vhosts/{name}", timeout=10)


@pytest.fixture
def service_config(vhost):
    """nameko config for a container on the test vhost, with a database URL."""

    def make(database_url: str | None = None, **extra) -> dict:
        config = nameko_config(AMQP_URI=vhost, OUTBOX_POLL_SECONDS=0.2, **extra)
        if database_url:
            config["DATABASE_URL"] = database_url
        return config

    return make
