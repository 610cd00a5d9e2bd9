"""Outbox publishing: confirmed batches against raw unconfirmed publishing, same run, same broker.

Three rates on one vhost of their own:
  raw        persistent messages, no confirms: the broker's ceiling (the reference)
  relay      the real relay path: rows read from a database, published as CloudEvents in
             confirmed batches, marked published (relay_once end to end)
  confirmed  ConfirmingPublisher.publish_batch alone (the publishing share of the relay)
Target (issue: notifications and event stream, part 1): confirmed / raw >= 0.7.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid

import amqp
import requests
from sqlalchemy.orm import sessionmaker

from common.events import EXCHANGE, DomainEvent, to_cloudevent, utcnow
from common.outbox import BATCH_SIZE, ConfirmingPublisher, relay_once
from common.storage import make_engine
from services.notify.models import Base, OutboxMessage

RABBIT_API = os.environ.get("BENCH_RABBIT_API", "http://guest:guest@127.0.0.1:15672/api")
N = int(os.environ.get("BENCH_OUTBOX_EVENTS", "20000"))


def _body(i: int) -> dict:
    return to_cloudevent(
        id=str(uuid.uuid4()),
        type="grassroots.bench.thing.happened.v1",
        source="/grassroots/bench",
        time=utcnow(),
        subject=f"things/{i}",
        data={"i": i, "note": "基准测试"},
        org_path="/1/",
    )


def _raw_rate(host: str, vhost: str, bodies: list[dict]) -> float:
    conn = amqp.Connection(host=host, userid="guest", password="guest", virtual_host=vhost)
    conn.connect()
    channel = conn.channel()
    channel.exchange_declare(EXCHANGE, "topic", durable=True, auto_delete=False)
    started = time.perf_counter()
    for body in bodies:
        msg = amqp.Message(
            json.dumps(body, ensure_ascii=False), delivery_mode=2, content_type="application/cloudevents+json"
        )
        channel.basic_publish(msg, exchange=EXCHANGE, routing_key=body["type"])
    elapsed = time.perf_counter() - started
    conn.close()
    return len(bodies) / elapsed


def _confirmed_rate(uri: str, bodies: list[dict]) -> float:
    publisher = ConfirmingPublisher(uri)
    started = time.perf_counter()
    for i in range(0, len(bodies), BATCH_SIZE):
        batch = bodies[i : i + BATCH_SIZE]
        assert all(publisher.publish_batch([(b["type"], b) for b in batch]))
    elapsed = time.perf_counter() - started
    publisher.close()
    return len(bodies) / elapsed


def _relay_rate(uri: str, n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/outbox.db")
        Base.metadata.create_all(engine)
        factory = sessionmaker(engine, expire_on_commit=False)
        with factory() as session:
            for i in range(n):
                event = DomainEvent(
                    service="bench",
                    name="thing.happened",
                    data={"i": i},
                    subject=f"things/{i}",
                    org_path="/1/",
                )
                session.add(
                    OutboxMessage(
                        event_id=event.id,
                        type=event.type,
                        source="/grassroots/bench",
                        subject=event.subject,
                        org_path=event.org_path,
                        time=event.time,
                        data=event.data,
                    )
                )
            session.commit()
        publisher = ConfirmingPublisher(uri)
        started = time.perf_counter()
        sent = 0
        while (done := relay_once(factory, OutboxMessage, publisher)) > 0:
            sent += done
        elapsed = time.perf_counter() - started
        publisher.close()
        assert sent == n
        return n / elapsed


def run() -> dict:
    vhost = f"bench-{uuid.uuid4().hex[:8]}"
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{vhost}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        timeout=10,
    )
    uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        # a queue bound to everything, so messages are routed and stored as they would be
        conn = amqp.Connection(host="127.0.0.1:5672", userid="guest", password="guest", virtual_host=vhost)
        conn.connect()
        ch = conn.channel()
        ch.exchange_declare(EXCHANGE, "topic", durable=True, auto_delete=False)
        ch.queue_declare("bench-sink", durable=True, auto_delete=False)
        ch.queue_bind("bench-sink", EXCHANGE, "#")
        conn.close()
        bodies = [_body(i) for i in range(N)]
        _raw_rate("127.0.0.1:5672", vhost, bodies[:2000])  # warm-up
        raw = _raw_rate("127.0.0.1:5672", vhost, bodies)
        confirmed = _confirmed_rate(uri, bodies)
        relay = _relay_rate(uri, min(N, 10000))
    finally:
        requests.delete(f"{RABBIT_API}/vhosts/{vhost}", timeout=10)
    result = {
        "events": N,
        "raw_unconfirmed_per_s": round(raw),
        "confirmed_batches_per_s": round(confirmed),
        "relay_end_to_end_per_s": round(relay),
        "ratio_confirmed_to_raw": round(confirmed / raw, 3),
        "target_ratio": 0.7,
    }
    print(f"outbox publishing (batches of {BATCH_SIZE}, one run, one broker)")
    print(f"  {'raw unconfirmed (reference)':34} {raw:>10,.0f} /s")
    print(f"  {'confirmed batches':34} {confirmed:>10,.0f} /s   ratio {confirmed / raw:.2f} (target >= 0.70)")
    print(f"  {'relay: read, publish, mark (SQLite)':34} {relay:>10,.0f} /s   ratio {relay / raw:.2f}")
    return result
