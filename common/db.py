"""The database dependency: a unit of work per use, and the outbox relay beside it.

    with self.db() as uow:
        ...change rows through uow.session...
        uow.emit(DomainEvent(...))
        uow.commit()          # rows and their events in one transaction

Commit happens inside the entrypoint, never in worker teardown: nameko replies to an
RPC before teardown runs, so a failing commit there would already have said "ok".
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import eventlet
from eventlet.event import Event
from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from common import retention
from common.config import database_url
from common.contracts.events import validate_event, validate_events
from common.events import DomainEvent, source_of, utcnow
from common.outbox import ConfirmingPublisher, relay_once
from common.storage import make_engine

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        outbox_model: type[Any],
        processed_model: type[Any],
        on_commit: Callable[[], None] | None = None,
    ):
        self._session_factory = session_factory
        self._outbox_model = outbox_model
        self._processed_model = processed_model
        self._on_commit = on_commit
        self.events: list[DomainEvent] = []
        self._wrote_events = False  # emit_many writes at once; the relay is woken at commit

    def __enter__(self) -> UnitOfWork:
        self.session: Session = self._session_factory()
        return self

    def __exit__(self, *exc: object) -> None:
        # close() rolls back whatever was not committed and leaves loaded objects readable
        self.session.close()

    def emit(self, event: DomainEvent) -> None:
        validate_event(event.type, event.data)  # the catalogue is a contract; break it loudly
        self.events.append(event)

    def emit_many(self, events: list[DomainEvent]) -> None:
        """Tens of thousands of events of one type (a month's visit lists, say): validated
        in one pass and written to the outbox at once with one executemany, in this
        transaction, instead of one ORM object each at commit."""
        if not events:
            return
        validate_events(events[0].type, [e.data for e in events])
        if any(e.type != events[0].type for e in events):
            raise ValueError("emit_many takes events of one type")
        self.session.connection().execute(
            insert(self._outbox_model.__table__),
            [
                {
                    "event_id": e.id,
                    "type": e.type,
                    "source": source_of(e.service),
                    "subject": e.subject,
                    "org_path": e.org_path,
                    "time": e.time,
                    "data": e.data,
                }
                for e in events
            ],
        )
        self._wrote_events = True

    def first_delivery(self, event_id: str, handler: str) -> bool:
        """Record that `handler` applies this event; False if it already has."""
        model = self._processed_model
        seen = self.session.scalar(
            select(model.event_id).where(model.event_id == event_id, model.handler == handler)
        )
        if seen:
            return False
        self.session.add(model(event_id=event_id, handler=handler, processed_at=utcnow()))
        return True

    def commit(self) -> None:
        for event in self.events:
            self.session.add(
                self._outbox_model(
                    event_id=event.id,
                    type=event.type,
                    source=source_of(event.service),
                    subject=event.subject,
                    org_path=event.org_path,
                    time=event.time,
                    data=event.data,
                )
            )
        try:
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            raise
        had_events = bool(self.events) or self._wrote_events
        self.events, self._wrote_events = [], False
        if had_events and self._on_commit:
            self._on_commit()


class Database(DependencyProvider):
    """Gives each worker `self.db()` -> UnitOfWork, runs the outbox relay and, once an hour,
    the retention of what is kept only for a while (common/retention.py)."""

    def __init__(
        self,
        base: type[DeclarativeBase],
        outbox_model: type[Any],
        processed_model: type[Any],
        relay: bool = True,
        keep: tuple[tuple[Any, str, str], ...] = (),
    ):
        """`keep`: more (model, column, setting) the service prunes (notify's event store)."""
        self.base = base
        self.outbox_model = outbox_model
        self.processed_model = processed_model
        self.relay_enabled = relay
        self.keep = keep

    def retention_rules(self) -> list[retention.Rule]:
        kept = [
            (self.outbox_model, "published_at", "GOV_OUTBOX_KEEP_DAYS"),
            (self.processed_model, "processed_at", "GOV_PROCESSED_KEEP_DAYS"),
            *self.keep,
        ]
        return [retention.Rule(model, column, retention.keep_days(name)) for model, column, name in kept]

    def prune(self, now: datetime | None = None) -> dict[str, int] | None:
        return retention.prune(
            self.session_factory, self.container.service_name, self.retention_rules(), now or utcnow()
        )

    def setup(self) -> None:
        config = self.container.config
        url = config.get("DATABASE_URL") or database_url(self.container.service_name)
        self.engine = make_engine(url, pool_size=int(config.get("max_workers", 10)) + 2)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self._wake = Event()
        self._running = False
        self.relay_interval = float(config.get("OUTBOX_POLL_SECONDS", 1.0))

    def start(self) -> None:
        gc.freeze()  # the service is loaded: keep its objects out of every later collection
        if self.relay_enabled:
            self._running = True
            self._publisher = ConfirmingPublisher(self.container.config["AMQP_URI"])
            self._relay_thread = self.container.spawn_managed_thread(self._relay_loop)
            self._retention_thread = self.container.spawn_managed_thread(self._retention_loop)

    def _retention_loop(self) -> None:
        while self._running:
            try:
                dropped = self.prune()
                if dropped and any(dropped.values()):
                    log.info("retention: dropped %s", dropped)
            except Exception as exc:  # noqa: BLE001 - the database away: the next round tries again
                log.warning("retention: %s", exc)
            eventlet.sleep(retention.INTERVAL_SECONDS)

    def stop(self) -> None:
        self._running = False
        self.wake()
        thread = getattr(self, "_relay_thread", None)
        if thread is not None:
            thread.wait()
        retention_thread = getattr(self, "_retention_thread", None)
        if retention_thread is not None:
            retention_thread.kill()  # asleep between rounds: nothing half done to wait for
        self.engine.dispose()

    def kill(self) -> None:
        self._running = False
        self.engine.dispose()

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def _relay_loop(self) -> None:
        backoff = self.relay_interval
        while self._running:
            try:
                sent = relay_once(self.session_factory, self.outbox_model, self._publisher)
                backoff = self.relay_interval
            except Exception as exc:  # noqa: BLE001 - broker or database away: wait and retry
                log.warning("outbox relay: %s; retrying in %.1fs", exc, backoff)
                self._publisher.close()
                sent = 0
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if sent:
                continue  # there may be more waiting
            with eventlet.Timeout(self.relay_interval, False):
                self._wake.wait()
            self._wake = Event()
        self._publisher.close()

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.outbox_model, self.processed_model, self.wake)

    def get_dependency(self, worker_ctx: WorkerContext) -> Callable[[], UnitOfWork]:
        return self.unit_of_work
