"""Services started as real nameko containers on RabbitMQ and PostgreSQL, called over the bus."""

import json
import time

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from common.errors import DomainError
from common.events import EXCHANGE
from common.outbox import ConfirmingPublisher, cloudevent_of, relay_once
from common.storage import make_engine
from services.grids import accounts, commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.service import GridsService
from services.notify.service import NotifyService
from tests.conftest import make_uow_factory


def wait_for(predicate, seconds=15.0, interval=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.fixture
def grids_url(pg_databases):
    url = pg_databases("grids")
    with make_uow_factory(url, models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    return url


@pytest.fixture
def platform(container_factory, service_config, grids_url, pg_databases):
    notify = container_factory(NotifyService, service_config(pg_databases("notify")))
    notify.start()  # its queues exist before grids publishes anything
    grids = container_factory(GridsService, service_config(grids_url))
    grids.start()
    return {"grids_url": grids_url, "config": service_config()}


def test_login_tree_and_refusals_over_rpc(platform):
    with ClusterRpcProxy(platform["config"], timeout=10) as rpc:
        leader = rpc.grids.authenticate("township", DEMO_PASSWORD)
        worker = rpc.grids.authenticate("gridworker", DEMO_PASSWORD)
        leader_tree = rpc.grids.tree(leader, {})
        worker_tree = rpc.grids.tree(worker, {})
        assert leader_tree[0]["level"] == "township" and worker_tree[0]["level"] == "grid"
        with pytest.raises(DomainError) as caught:
            rpc.grids.authenticate("township", "wrong")
        assert caught.value.code == "login_failed"
        with pytest.raises(DomainError) as caught:
            rpc.grids.create_person(
                worker, {"code": "Z1", "name": "张三", "roles": ["member"], "org_unit_id": 1}
            )
        assert caught.value.code == "forbidden"
        with pytest.raises(DomainError) as caught:
            rpc.grids.people(leader, {"per_page": 100000})
        assert caught.value.code == "validation_failed" and "per_page" in caught.value.fields


def test_change_reaches_consumer_through_outbox_once(platform, vhost):
    # an outside system's own durable queue, bound by routing key pattern
    exchange = Exchange(EXCHANGE, type="topic", durable=True)
    with Connection(vhost) as conn:
        queue = Queue("outside-system", exchange=exchange, routing_key="grassroots.grids.#", durable=True)
        queue(conn.default_channel).declare()

    with ClusterRpcProxy(platform["config"], timeout=10) as rpc:
        leader = rpc.grids.authenticate("township", DEMO_PASSWORD)
        person = rpc.grids.create_person(
            leader,
            {
                "code": "NEWP1",
                "name": "周明",
                "roles": ["member"],
                "org_unit_id": rpc.grids.tree(leader, {"depth": 3})[0]["children"][0]["children"][0]["id"],
            },
        )
        actor = {**leader, "id": person["id"]}
        inbox = wait_for(lambda: rpc.notify.inbox(actor, {})["items"])
        assert inbox[0]["title"] == "您的岗位已登记" and "党员" in inbox[0]["body"]

        # the outbox row is marked published once the broker confirmed it
        engine = make_engine(platform["grids_url"])
        with sessionmaker(engine)() as session:
            row = session.scalars(
                select(models.OutboxMessage).where(models.OutboxMessage.type.like("%person.assigned%"))
            ).one()
            wait_for(lambda: session.get(models.OutboxMessage, row.seq, populate_existing=True).published_at)

        # a redelivered event is applied once
        ConfirmingPublisher(platform["config"]["AMQP_URI"]).publish_batch([(row.type, cloudevent_of(row))])
        time.sleep(1.0)
        assert rpc.notify.inbox(actor, {})["meta"]["total"] == 1
        assert rpc.notify.inbox(actor, {"unread": True})["unread"] == 1
        assert rpc.notify.mark_read(actor, {"ids": [inbox[0]["id"]]}) == {"marked": 1}
        assert rpc.notify.inbox(actor, {})["unread"] == 0

    with Connection(vhost) as conn:
        message = wait_for(lambda: conn.SimpleQueue(queue).get(timeout=5))
        body = json.loads(message.body)
        assert message.content_type == "application/cloudevents+json"
        assert body["specversion"] == "1.0" and body["type"].startswith("grassroots.grids.")
        assert body["source"] == "/grassroots/grids" and body["orgpath"].startswith("/")
        message.ack()


def test_broker_down_at_commit_delays_events_never_loses_them(grids_url, vhost):
    uow = make_uow_factory(grids_url, models)
    with uow() as u:
        leader, _ = accounts.authenticate(u.session, "township", DEMO_PASSWORD, None)
    actor = commands.Actor.from_claims({**leader, "sub": leader["id"]})
    with uow() as u:
        commands.create_person(
            u,
            actor,
            {
                "code": "OFF1",
                "name": "吴离",
                "roles": ["township_leader"],
                "org_unit_id": leader["org_unit_id"],
            },
        )
        u.commit()  # the broker plays no part in the commit

    engine = make_engine(grids_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    nobody_listens = ConfirmingPublisher("amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(OSError):
        relay_once(factory, models.OutboxMessage, nobody_listens)
    with factory() as session:
        waiting = session.scalars(
            select(models.OutboxMessage).where(models.OutboxMessage.published_at.is_(None))
        ).all()
    assert any(r.type.endswith("person.assigned.v1") for r in waiting)

    published = relay_once(factory, models.OutboxMessage, ConfirmingPublisher(vhost))
    assert published == len(waiting)
    with factory() as session:
        assert (
            session.scalars(
                select(models.OutboxMessage).where(models.OutboxMessage.published_at.is_(None))
            ).all()
            == []
        )


def test_publisher_tells_confirmed_from_refused_messages(vhost):
    """Acks are read on the publisher's fast path, nacks through py-amqp: a queue that takes two
    messages and refuses more (reject-publish) makes the broker confirm two and nack three."""
    with Connection(vhost) as conn:
        queue = Queue(
            "bench-full",
            Exchange(EXCHANGE, type="topic", durable=True),
            routing_key="grassroots.test.#",
            durable=True,
            queue_arguments={"x-max-length": 2, "x-overflow": "reject-publish"},
        )
        queue(conn.default_channel).declare()
        queue(conn.default_channel).purge()
    publisher = ConfirmingPublisher(vhost)
    try:
        body = {"id": "x", "type": "grassroots.test.thing.happened.v1"}
        messages = [(body["type"], {**body, "id": f"m{i}"}) for i in range(5)]
        assert publisher.publish_batch(messages) == [True, True, False, False, False]
        assert publisher.publish_batch(messages[:1]) == [False]  # still full
    finally:
        publisher.close()
        with Connection(vhost) as conn:
            queue(conn.default_channel).delete()
