"""The open event stream against the real broker: an outside system with a plain pika
consumer gets CloudEvents the cloudevents SDK parses; a broker unreachable at commit
delays an event, never loses it, and a consumer applies it once; a stopped consumer finds
its events waiting in its durable queue; replay stays inside the caller's scope."""

import time
import uuid
from datetime import timedelta

import pika
import pytest
from cloudevents.core.bindings.rabbitmq import RabbitMQMessage, from_rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.v1.http import from_json
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from common.events import EXCHANGE, DomainEvent, to_cloudevent, utcnow
from common.outbox import ConfirmingPublisher, relay_once
from common.storage import make_engine
from services.notify import models
from services.notify.service import NotifyService
from tests.conftest import make_uow_factory

ADMIN = {"id": 1, "name": "管理员", "roles": ["county_admin"], "scope": ["/1/"], "org_unit_id": 1}
LEADER_5 = {"id": 2, "name": "镇领导", "roles": ["township_leader"], "scope": ["/1/5/"], "org_unit_id": 5}


def wait_for(predicate, seconds=20.0, interval=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


class OutsideSystem:
    """A plain pika client with its own durable queue, as another government system would."""

    def __init__(self, amqp_uri: str, pattern: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.queue = f"outside-{uuid.uuid4().hex[:8]}"
        self.channel.exchange_declare(EXCHANGE, "topic", durable=True)
        self.channel.queue_declare(self.queue, durable=True)
        self.channel.queue_bind(self.queue, EXCHANGE, routing_key=pattern)

    def take(self, count: int, seconds: float = 20.0) -> list:
        got = []
        deadline = time.monotonic() + seconds
        while len(got) < count and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                time.sleep(0.1)
                continue
            got.append((properties, body))
        return got

    def waiting(self) -> int:
        return self.channel.queue_declare(self.queue, durable=True, passive=True).method.message_count

    def close(self):
        self.connection.close()


def alert(person_ids, org_path, when=None):
    return to_cloudevent(
        id=str(uuid.uuid4()),
        type="grassroots.tasks.alert.raised.v1",
        source="/grassroots/tasks",
        time=when or utcnow(),
        subject="alerts/1",
        data={
            "alert_id": 1,
            "kind": "matter_overdue",  # told per alert (lagging rates go through the digest)
            "subject_kind": "matter",
            "subject_id": 1,
            "person_ids": person_ids,
            "message": "事项超时未办结",
        },
        org_path=org_path,
    )


def publish(uri, events):
    publisher = ConfirmingPublisher(uri)
    assert all(publisher.publish_batch([(e["type"], e) for e in events]))
    publisher.close()


@pytest.fixture
def notify_config(service_config, pg_databases):
    return service_config(
        pg_databases("notify"), NOTIFY_DELIVERY_SECONDS=3600, NOTIFY_DIGEST_CHECK_SECONDS=3600
    )


def test_plain_pika_consumer_receives_cloudevents_the_sdk_parses(
    container_factory, notify_config, vhost, monkeypatch
):
    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "127.0.0.1/32")  # the receiver is on this machine
    outside = OutsideSystem(vhost, "grassroots.notify.#")
    try:
        container_factory(NotifyService, notify_config).start()
        with ClusterRpcProxy(notify_config, timeout=10) as rpc:
            sub = rpc.notify.create_subscription(
                ADMIN,
                {"name": "县数据中心", "url": "http://127.0.0.1:9/x", "event_types": ["grassroots.tasks.#"]},
            )
        [(properties, body)] = outside.take(1)
        assert properties.content_type == "application/cloudevents+json" and properties.delivery_mode == 2

        event = from_json(body)  # the SDK's structured-mode JSON reader
        assert event["specversion"] == "1.0" and event["type"] == "grassroots.notify.subscription.created.v1"
        assert event["source"] == "/grassroots/notify" and event["orgpath"] == "/1/"
        assert event["id"] == properties.message_id and event.data["subscription_id"] == sub["id"]

        message = RabbitMQMessage(headers={}, content_type=properties.content_type, body=body)
        parsed = from_rabbitmq(message, JSONFormat())  # the SDK's RabbitMQ binding, structured mode
        assert parsed.get_type() == event["type"] and parsed.get_data()["name"] == "县数据中心"
        assert parsed.get_extension("orgpath") == "/1/"
    finally:
        outside.close()


def test_broker_unreachable_at_commit_delays_the_event_which_arrives_once(
    container_factory, notify_config, pg_databases, vhost
):
    outside = OutsideSystem(vhost, "grassroots.notify.subscription.#")
    # a consumer of the stream (notify's event store on its own database)
    container_factory(NotifyService, notify_config).start()
    try:
        # a service commits a change with its event while the broker cannot be reached
        producer_url = pg_databases("notify")
        with make_uow_factory(producer_url, models)() as uow:
            uow.emit(
                DomainEvent(
                    "notify",
                    "subscription.created",
                    {
                        "subscription_id": 77,
                        "name": "离线时创建",
                        "event_types": ["#"],
                        "org_path": "/1/",
                        "actor_id": 1,
                    },
                    subject="subscriptions/77",
                    org_path="/1/",
                )
            )
            uow.commit()  # the broker plays no part in the commit
        factory = sessionmaker(make_engine(producer_url), expire_on_commit=False)
        with pytest.raises(OSError):
            relay_once(factory, models.OutboxMessage, ConfirmingPublisher("amqp://guest:guest@127.0.0.1:1/"))
        assert outside.waiting() == 0

        # the broker is back: the waiting row is published and marked
        assert relay_once(factory, models.OutboxMessage, ConfirmingPublisher(vhost)) == 1
        assert relay_once(factory, models.OutboxMessage, ConfirmingPublisher(vhost)) == 0
        # a crash between publish and mark: the row goes out a second time
        with factory() as session:
            session.execute(update(models.OutboxMessage).values(published_at=None))
            session.commit()
        assert relay_once(factory, models.OutboxMessage, ConfirmingPublisher(vhost)) == 1

        copies = outside.take(2)
        assert len(copies) == 2 and copies[0][0].message_id == copies[1][0].message_id
        event_id = copies[0][0].message_id
        with ClusterRpcProxy(notify_config, timeout=10) as rpc:
            stored = wait_for(
                lambda: [
                    e
                    for e in rpc.notify.replay(ADMIN, {"type": "grassroots.notify.#"})["items"]
                    if e["id"] == event_id
                ]
            )
            time.sleep(1.0)  # let the second copy be consumed too
            again = [
                e
                for e in rpc.notify.replay(ADMIN, {"type": "grassroots.notify.#"})["items"]
                if e["id"] == event_id
            ]
        assert len(stored) == 1 and len(again) == 1  # applied once
    finally:
        outside.close()


def test_a_stopped_consumer_finds_its_events_waiting_and_applies_them_once(
    container_factory, notify_config, vhost
):
    first = container_factory(NotifyService, notify_config)
    first.start()  # declares its durable queues
    first.stop()

    events = [alert([501], "/1/5/23/"), alert([502, 501], "/1/5/24/")]
    publish(vhost, events + [events[0]])  # and a duplicate of the first

    container_factory(NotifyService, notify_config).start()
    with ClusterRpcProxy(notify_config, timeout=10) as rpc:
        person = {**ADMIN, "id": 501}
        wait_for(lambda: rpc.notify.inbox(person, {})["meta"]["total"] >= 2)
        time.sleep(1.0)
        assert rpc.notify.inbox(person, {})["meta"]["total"] == 2
        assert rpc.notify.inbox({**ADMIN, "id": 502}, {})["meta"]["total"] == 1
        archived = rpc.notify.replay(ADMIN, {"type": "grassroots.tasks.#"})["items"]
        assert sorted(e["id"] for e in archived) == sorted(e["id"] for e in events)


def test_replay_by_time_range_and_after_an_id_inside_the_callers_scope(
    container_factory, notify_config, vhost
):
    container_factory(NotifyService, notify_config).start()
    start = utcnow() - timedelta(hours=3)
    events = [
        alert([601], "/1/5/23/", start),
        alert([602], "/1/6/30/", start + timedelta(hours=1)),
        alert([603], "/1/5/24/", start + timedelta(hours=2)),
        alert([604], "/1/5/25/", start + timedelta(hours=2, minutes=30)),
    ]
    publish(vhost, events)
    with ClusterRpcProxy(notify_config, timeout=10) as rpc:
        tasks_only = {"type": "grassroots.tasks.#"}
        wait_for(lambda: len(rpc.notify.replay(ADMIN, tasks_only)["items"]) >= 4)
        # replay runs in arrival order (concurrent handlers may archive in any order)
        ids = [e["id"] for e in rpc.notify.replay(ADMIN, tasks_only)["items"]]
        assert sorted(ids) == sorted(e["id"] for e in events)
        inside = [i for i in ids if i != events[1]["id"]]
        mine = rpc.notify.replay(LEADER_5, tasks_only)["items"]
        assert [e["id"] for e in mine] == inside  # never /1/6/
        page = rpc.notify.replay(LEADER_5, {**tasks_only, "limit": 2})
        assert [e["id"] for e in page["items"]] == inside[:2] and page["next_after"] == inside[1]
        rest = rpc.notify.replay(LEADER_5, {**tasks_only, "after": page["next_after"]})
        assert [e["id"] for e in rest["items"]] == inside[2:] and rest["next_after"] is None
        window = rpc.notify.replay(
            LEADER_5,
            {
                "since": (start + timedelta(minutes=30)).isoformat(),
                "until": (start + timedelta(hours=2, minutes=15)).isoformat(),
            },
        )
        assert [e["id"] for e in window["items"]] == [events[2]["id"]]
        assert window["items"][0]["data"]["person_ids"] == [603]
        with pytest.raises(Exception) as caught:
            rpc.notify.replay({**LEADER_5, "roles": ["member"]}, {})
        assert caught.value.code == "forbidden"
        with pytest.raises(Exception) as caught:
            rpc.notify.replay(ADMIN, {"after": str(uuid.uuid4())})
        assert caught.value.code == "not_found"
