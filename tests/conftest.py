"""Test fixtures against the real parts: PostgreSQL, RabbitMQ (a vhost per test module)
and SQLite. eventlet is patched first, or container tests hang."""

import eventlet

eventlet.monkey_patch()

import warnings  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from common.config import nameko_config  # noqa: E402
from common.db import UnitOfWork  # noqa: E402
from common.migrations import upgrade  # noqa: E402
from common.storage import make_engine  # noqa: E402
from scripts.local_platform import (  # noqa: E402
    create_pg_database,
    create_vhost,
    delete_vhost,
    drop_pg_database,
)

warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture(scope="session")
def pg_databases():
    """Make a fresh, migrated PostgreSQL database for a service: `make(service) -> url`."""
    created = []

    def make(service: str) -> str:
        name, url = create_pg_database(service)
        created.append(name)
        return url

    yield make
    for name in created:
        drop_pg_database(name)


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
    name, uri = create_vhost()
    yield uri
    delete_vhost(name)


@pytest.fixture
def service_config(vhost):
    """nameko config for a container on the test vhost, with a database URL."""

    def make(database_url: str | None = None, **extra) -> dict:
        config = nameko_config(AMQP_URI=vhost, OUTBOX_POLL_SECONDS=0.2, **extra)
        if database_url:
            config["DATABASE_URL"] = database_url
        return config

    return make


@pytest.fixture
def field_keys(monkeypatch):
    """Field-cipher settings for one test: `field_keys(spec=…, active=…, cipher=…, hash_alg=…)`
    sets them (None unsets) and forgets the loaded keys; the defaults are one SM4 key `k1`."""
    import base64

    from common import crypto

    k1, index = base64.b64encode(b"\x01" * 16).decode(), base64.b64encode(b"\x03" * 32).decode()

    def use(spec=f"k1:{k1}", active="k1", cipher="sm4", hash_alg="sm3", index=index):
        for name, value in (
            ("GOV_FIELD_KEYS", spec),
            ("GOV_FIELD_KEY_ID", active),
            ("GOV_FIELD_CIPHER", cipher),
            ("GOV_HASH", hash_alg),
            ("GOV_BLIND_INDEX_KEY", index),
        ):
            monkeypatch.setenv(name, value) if value is not None else monkeypatch.delenv(name, raising=False)
        crypto.reset()

    use()
    yield use
    crypto.reset()
