"""Retention (issue 16 part 6), on PostgreSQL and SQLite: published outbox rows, processed-
event records and notify's event store are dropped after their window, unpublished events
and everything inside the window are kept, and only one replica prunes at a time."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from common import retention
from common.storage import make_engine
from services.notify import models

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def _outbox(published_at):
    return models.OutboxMessage(
        event_id=str(uuid4()), type="grassroots.tasks.task.created.v1", source="/tasks", subject="tasks/1",
        org_path="/1/", time=NOW - timedelta(days=40), data={}, published_at=published_at,
    )  # fmt: skip


def _stored(received_at):
    return models.StoredEvent(
        event_id=str(uuid4()), type="grassroots.tasks.task.created.v1", source="/tasks", subject="tasks/1",
        org_path="/1/", time=received_at, data={}, received_at=received_at,
    )  # fmt: skip


def _rules():
    return [
        retention.Rule(models.OutboxMessage, "published_at", 7),
        retention.Rule(models.ProcessedEvent, "processed_at", 30),
        retention.Rule(models.StoredEvent, "received_at", 90),
    ]


def test_what_is_past_its_window_is_dropped_and_the_rest_kept(any_database):
    factory = sessionmaker(make_engine(any_database("notify")), expire_on_commit=False)
    with factory() as s:
        s.add_all(
            [
                _outbox(NOW - timedelta(days=8)),  # published long ago: dropped
                _outbox(NOW - timedelta(days=6)),  # inside the window: kept
                _outbox(None),  # never published: kept whatever its age
                models.ProcessedEvent(
                    event_id=str(uuid4()), handler="h", processed_at=NOW - timedelta(days=31)
                ),
                models.ProcessedEvent(
                    event_id=str(uuid4()), handler="h", processed_at=NOW - timedelta(days=1)
                ),
                _stored(NOW - timedelta(days=91)),
                _stored(NOW - timedelta(days=89)),
            ]
        )
        s.commit()
    dropped = retention.prune(factory, "notify", _rules(), NOW)
    assert dropped == {"outbox": 1, "processed_events": 1, "event_store": 1}
    with factory() as s:
        published = s.scalars(select(models.OutboxMessage.published_at)).all()
        assert sorted(p is None for p in published) == [False, True]
        assert s.scalar(select(func.count()).select_from(models.ProcessedEvent)) == 1
        assert s.scalar(select(func.count()).select_from(models.StoredEvent)) == 1
    assert retention.prune(factory, "notify", _rules(), NOW) == {
        "outbox": 0,
        "processed_events": 0,
        "event_store": 0,
    }


def test_one_replica_prunes_at_a_time(pg_databases):
    factory = sessionmaker(make_engine(pg_databases("notify")), expire_on_commit=False)
    with factory() as holder:  # another replica in the middle of its round
        key = retention._lock_key("notify")
        assert holder.scalar(select(func.pg_try_advisory_xact_lock(key))) is True
        assert retention.prune(factory, "notify", _rules(), NOW) is None
    assert retention.prune(factory, "notify", _rules(), NOW) is not None  # its turn, once released


def test_windows_come_from_the_settings(monkeypatch):
    assert retention.keep_days("GOV_OUTBOX_KEEP_DAYS") == 7
    monkeypatch.setenv("GOV_PROCESSED_KEEP_DAYS", "0")
    assert retention.keep_days("GOV_PROCESSED_KEEP_DAYS") == 1  # never the same day
    monkeypatch.setenv("GOV_EVENT_STORE_KEEP_DAYS", "a week")
    try:
        retention.keep_days("GOV_EVENT_STORE_KEEP_DAYS")
    except ValueError as exc:
        assert "GOV_EVENT_STORE_KEEP_DAYS" in str(exc)
    else:
        raise AssertionError("a bad setting is refused")
