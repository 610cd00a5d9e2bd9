"""Production start-up refuses what demo mode allows: grids and tasks without field keys,
tasks with the demo SMS outbox. The containers are real, on a RabbitMQ vhost of their own."""

import pytest
from nameko.containers import ServiceContainer

from services.grids.service import GridsService
from services.tasks.service import TasksService


def start_and_stop(cls, config) -> None:
    container = ServiceContainer(cls, config)
    container.start()
    container.stop()


@pytest.mark.parametrize("cls", [GridsService, TasksService])
def test_production_refuses_to_start_without_field_keys(
    cls, service_config, sqlite_databases, field_keys, monkeypatch
):
    config = service_config(sqlite_databases(cls.name))
    monkeypatch.setenv("GOV_ENV", "production")
    monkeypatch.setenv("GOV_SMS_ADAPTER", "tests.unit.test_sms_and_logs:RealSms")
    field_keys(spec=None)
    with pytest.raises(RuntimeError, match="must be set in production"):
        start_and_stop(cls, config)
    field_keys()
    start_and_stop(cls, config)


def test_production_tasks_refuses_the_demo_sms_outbox(
    service_config, sqlite_databases, field_keys, monkeypatch
):
    config = service_config(sqlite_databases("tasks"))
    monkeypatch.setenv("GOV_ENV", "production")
    monkeypatch.delenv("GOV_SMS_ADAPTER", raising=False)
    with pytest.raises(RuntimeError, match="GOV_SMS_ADAPTER must name a real SMS adapter"):
        start_and_stop(TasksService, config)
    monkeypatch.setenv("GOV_ENV", "demo")  # demo mode starts with it
    start_and_stop(TasksService, config)
