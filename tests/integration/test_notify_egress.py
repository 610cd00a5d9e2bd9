"""notify's outbound calls cannot be turned against the platform: a subscription to an
inside address is refused when it is made, a name that resolves inside by the time of
delivery (DNS rebinding) is refused at delivery, a redirect is not followed, and the
delivery log says what happened in generic words.

Real notify and grids containers on the broker and PostgreSQL; the DNS is outside the
platform, so names are answered by a patched resolver, and every request that is sent
goes to a local receiver on 127.0.0.1."""

from datetime import timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from common.events import utcnow
from scripts.local_platform import free_port
from services.grids import commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.service import GridsService
from services.notify.service import NotifyService
from tests.conftest import make_uow_factory
from tests.fake_resolver import FakeResolver
from tests.integration.test_notify_delivery import Receiver, publish, wait_for

PUBLIC = "93.184.215.14"  # only ever resolved to, never sent to
ALERT = {
    "alert_id": 3,
    "kind": "matter_overdue",
    "subject_kind": "matter",
    "subject_id": 9,
    "person_ids": [],
    "message": "事项超期",
}


@pytest.fixture
def resolver(monkeypatch):
    monkeypatch.delenv("GOV_OUTBOUND_ALLOW_CIDRS", raising=False)
    return FakeResolver().install(monkeypatch)


@pytest.fixture
def running(container_factory, service_config, pg_databases, resolver):
    grids_url = pg_databases("grids")
    with make_uow_factory(grids_url, models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    config = service_config(
        pg_databases("notify"), NOTIFY_DELIVERY_SECONDS=3600, NOTIFY_MAX_ATTEMPTS=2, NOTIFY_BACKOFF_SECONDS=10
    )
    container_factory(NotifyService, config).start()
    container_factory(GridsService, service_config(grids_url)).start()
    with ClusterRpcProxy(service_config(), timeout=15) as rpc:
        yield rpc, service_config()["AMQP_URI"]


def refusal(rpc, actor, url) -> tuple[str, str]:
    with pytest.raises(Exception) as caught:
        rpc.notify.create_subscription(actor, {"name": "外部系统", "url": url, "event_types": ["#"]})
    return caught.value.code, caught.value.params["kind"]


def test_inside_targets_are_refused_when_subscribing(running, resolver, monkeypatch):
    rpc, _ = running
    admin = rpc.grids.authenticate("admin", DEMO_PASSWORD)
    resolver.answers["mixed.example.com"] = [PUBLIC, "127.0.0.2"]
    resolver.answers["metadata.example.com"] = ["169.254.169.254"]
    refused = "outbound_target_refused"
    assert refusal(rpc, admin, "http://169.254.169.254/latest/meta-data/") == (refused, "link-local")
    assert refusal(rpc, admin, "http://metadata.example.com/latest/") == (refused, "link-local")
    assert refusal(rpc, admin, "http://127.0.0.1:8080/hook") == (refused, "loopback")
    assert refusal(rpc, admin, "http://0.0.0.0:8080/hook") == (refused, "unspecified")
    assert refusal(rpc, admin, "http://10.20.1.1/hook") == (refused, "private")
    assert refusal(rpc, admin, "http://mixed.example.com/hook") == (refused, "loopback")
    assert refusal(rpc, admin, "http://nowhere.example.com/hook") == (refused, "unresolved")
    assert rpc.notify.subscriptions(admin, {})["meta"]["total"] == 0  # nothing was stored

    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "10.20.0.0/16")  # the county's own network
    sub = rpc.notify.create_subscription(
        admin, {"name": "县平台", "url": "http://10.20.1.1/hook", "event_types": ["#"]}
    )
    assert sub["url"] == "http://10.20.1.1/hook"
    assert refusal(rpc, admin, "http://10.21.1.1/hook") == (refused, "private")


def test_delivery_checks_again_follows_no_redirect_and_logs_generic_outcomes(running, resolver, monkeypatch):
    rpc, uri = running
    admin = rpc.grids.authenticate("admin", DEMO_PASSWORD)
    receiver, elsewhere, redirecting = Receiver(), Receiver(), Receiver()
    try:
        # at subscription time the name is public; by delivery it points at this machine
        resolver.answers["hooks.county.gov.cn"] = [PUBLIC]
        port = receiver.server.server_address[1]
        tasks = ["grassroots.tasks.#"]
        rebound = rpc.notify.create_subscription(
            admin, {"name": "换绑", "url": f"http://hooks.county.gov.cn:{port}/hook", "event_types": tasks}
        )
        resolver.answers["hooks.county.gov.cn"] = ["127.0.0.1"]

        monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "127.0.0.1/32")  # to register the local receivers
        moved = rpc.notify.create_subscription(
            admin, {"name": "跳转", "url": redirecting.url, "event_types": tasks}
        )
        closed = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
        gone = rpc.notify.create_subscription(admin, {"name": "已停", "url": closed, "event_types": tasks})
        redirecting.redirect_to = elsewhere.url
        monkeypatch.delenv("GOV_OUTBOUND_ALLOW_CIDRS")  # loopback is refused again

        publish(uri, "grassroots.tasks.alert.raised.v1", ALERT, admin["scope"][0])
        for sub in (rebound, moved, gone):
            wait_for(lambda sub=sub: rpc.notify.deliveries(admin, sub["id"], {})["meta"]["total"] == 1)
        t0 = utcnow() + timedelta(seconds=1)
        assert rpc.notify.deliver_due(t0.isoformat())["retrying"] == 3
        assert log(rpc, admin, rebound) == [("pending", 1, None, "target refused: loopback address")]
        assert log(rpc, admin, moved) == [("pending", 1, None, "target refused: loopback address")]

        monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "127.0.0.1/32")
        resolver.answers["hooks.county.gov.cn"] = ["169.254.169.254"]  # never allowed, listed or not
        assert rpc.notify.deliver_due((t0 + timedelta(seconds=11)).isoformat())["dead"] == 3
        assert log(rpc, admin, rebound) == [("dead", 2, None, "target refused: link-local address")]
        assert log(rpc, admin, moved) == [("dead", 2, 302, "HTTP 302")]
        assert log(rpc, admin, gone) == [("dead", 2, None, "connection refused")]
        assert receiver.requests == [] and elsewhere.requests == []
        assert len(redirecting.requests) == 1  # the one attempt made while loopback was listed
    finally:
        for r in (receiver, elsewhere, redirecting):
            r.close()


def log(rpc, admin, sub) -> list[tuple]:
    items = rpc.notify.deliveries(admin, sub["id"], {})["items"]
    return [(d["status"], d["attempts"], d["last_status"], d["last_error"]) for d in items]
