"""The outbox relay: publishes committed events with publisher confirms.

Events are read in commit order, published to the one topic exchange in batches,
and marked published only once the broker has confirmed them. If the broker is
down they simply wait in the table; a crash between publish and mark republishes,
and consumers drop the duplicate by event id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import amqp
from kombu import Connection
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.events import EXCHANGE, to_cloudevent, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 2000


class ConfirmingPublisher:
    """A raw AMQP channel in confirm mode that publishes a batch, then waits for the acks."""

    def __init__(self, amqp_uri: str, confirm_timeout: float = 10.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._conn: amqp.Connection | None = None
        self._channel: amqp.Channel | None = None
        self._next_tag = 1
        self._status: dict[int, bool] = {}  # delivery tag -> confirmed (True) or refused (False)
        self._floor = 1

    def _connect(self) -> amqp.Channel:
        if self._channel is not None and self._conn is not None and self._conn.connected:
            return self._channel
        self.close()
        kombu_conn = Connection(self.amqp_uri)
        info = kombu_conn.info()
        conn = amqp.Connection(
            host=f"{info['hostname']}:{info['port'] or 5672}",
            userid=info["userid"],
            password=info["password"],
            virtual_host=info["virtual_host"] or "/",
            connect_timeout=5,
        )
        conn.connect()
        channel = conn.channel()
        channel.exchange_declare(EXCHANGE, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._conn, self._channel, self._next_tag = conn, channel, 1
        return channel

    def _settle(self, tag: int, multiple: bool, ok: bool) -> None:
        # `multiple` settles every tag up to this one that is not settled yet
        first = self._floor if multiple else tag
        for t in range(first, tag + 1):
            self._status.setdefault(t, ok)
        if multiple:
            self._floor = max(self._floor, tag + 1)

    def _on_ack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, True)

    def _on_nack(self, tag: int, multiple: bool) -> None:
        self._settle(tag, multiple, False)

    def publish_batch(self, messages: list[tuple[str, dict]]) -> list[bool]:
        """Publish (routing_key, body) pairs; return, for each, whether the broker confirmed it."""
        channel = self._connect()
        first = self._next_tag
        self._status, self._floor = {}, first
        for routing_key, body in messages:
            msg = amqp.Message(
                json.dumps(body, ensure_ascii=False),
                content_type="application/cloudevents+json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=body["id"],
            )
            channel.basic_publish(msg, exchange=EXCHANGE, routing_key=routing_key)
            self._next_tag += 1
            if self._next_tag % 100 == 0:
                self._drain_ready()  # read acks as they come, so the wait at the end is short
        while len(self._status) < len(messages):
            self._conn.drain_events(timeout=self.confirm_timeout)
        return [self._status.get(tag, False) for tag in range(first, self._next_tag)]

    def _drain_ready(self) -> None:
        try:
            while True:
                self._conn.drain_events(timeout=0)
        except TimeoutError:
            pass

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
                pass
        self._conn = self._channel = None


def relay_once(
    session_factory: Callable[[], Session],
    outbox_model,
    publisher: ConfirmingPublisher,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Publish one batch of unpublished events; return how many were confirmed."""
    with session_factory() as session:
        query = (
            select(outbox_model)
            .where(outbox_model.published_at.is_(None))
            .order_by(outbox_model.seq)
            .limit(batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Replicas of a service share the table: each takes rows no other relay holds.
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        if not rows:
            return 0
        confirmed = publisher.publish_batch([(row.type, cloudevent_of(row)) for row in rows])
        done = [row.seq for row, ok in zip(rows, confirmed, strict=True) if ok]
        if done:
            session.execute(
                update(outbox_model).where(outbox_model.seq.in_(done)).values(published_at=utcnow())
            )
        session.commit()
        return len(done)


def cloudevent_of(row) -> dict:
    return to_cloudevent(
        id=row.event_id,
        type=row.type,
        source=row.source,
        time=row.time,
        subject=row.subject,
        data=row.data,
        org_path=row.org_path,
    )
