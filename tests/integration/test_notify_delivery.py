"""notify against the real broker and PostgreSQL: inbox lines decided by the rule table
(people resolved through a running grids), signed webhooks with retries and a dead
letter, a DingTalk-style robot, quiet hours and the daily digest.

Events are published to the exchange as the other services' relays publish them; the
webhook receiver and the robot endpoint are outside the platform, so the test runs them
as local HTTP servers."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from common.events import to_cloudevent, utcnow
from common.outbox import ConfirmingPublisher
from services.grids import commands, models
from services.grids.demo import DEMO_PASSWORD, seed_demo
from services.grids.service import GridsService
from services.notify import domain
from services.notify.service import NotifyService
from tests.conftest import make_uow_factory

ROBOT_SECRET = "SEC-robot-secret-for-tests"
LOCAL = timedelta(hours=8)


def wait_for(predicate, seconds=20.0, interval=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


class Receiver:
    """A local HTTP endpoint that answers 500 to its first `fail_first` requests (or all),
    or a redirect to `redirect_to` when that is set."""

    def __init__(self, fail_first=0, answer=None):
        self.requests: list[dict] = []
        self.fail_first = fail_first
        self.redirect_to = None
        self.answer = answer or {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                failing = receiver.fail_first is None or len(receiver.requests) <= receiver.fail_first
                payload = json.dumps(receiver.answer).encode()
                self.send_response(302 if receiver.redirect_to else 500 if failing else 200)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = Receiver(answer={"errcode": 0, "errmsg": "ok"})
    yield r
    r.close()


@pytest.fixture
def running(container_factory, service_config, pg_databases, robot, monkeypatch):
    # the receivers below listen on loopback, refused unless a deployment lists it
    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "127.0.0.1/32")
    grids_url = pg_databases("grids")
    with make_uow_factory(grids_url, models)() as uow:
        seed_demo(uow, commands.hasher.hash(DEMO_PASSWORD))
        uow.commit()
    notify_url = pg_databases("notify")
    config = service_config(
        notify_url,
        NOTIFY_DELIVERY_SECONDS=3600,  # the test drives deliver_due(now) itself
        NOTIFY_DIGEST_CHECK_SECONDS=3600,
        NOTIFY_MAX_ATTEMPTS=3,
        NOTIFY_BACKOFF_SECONDS=10,
        NOTIFY_QUIET_HOURS="22:00-07:00",
        NOTIFY_PUSH_ADAPTER="dingtalk",
        NOTIFY_DINGTALK_URL=robot.url + "?access_token=tok",
        NOTIFY_DINGTALK_SECRET=ROBOT_SECRET,
    )
    container_factory(NotifyService, config).start()
    container_factory(GridsService, service_config(grids_url)).start()
    with ClusterRpcProxy(service_config(), timeout=15) as rpc:
        yield rpc, service_config()["AMQP_URI"]


def publish(uri, type_, data, org_path, subject="x/1"):
    event = to_cloudevent(
        id=str(uuid.uuid4()),
        type=type_,
        source="/grassroots/" + type_.split(".")[1],
        time=utcnow(),
        subject=subject,
        data=data,
        org_path=org_path,
    )
    publisher = ConfirmingPublisher(uri)
    assert publisher.publish_batch([(type_, event)]) == [True]
    publisher.close()
    return event


def daytime(days_ahead: int, hour: int) -> datetime:
    """A moment `days_ahead` days from today at `hour` o'clock local (UTC+8), in UTC."""
    local_today = (utcnow() + LOCAL).date()
    local = datetime.combine(local_today + timedelta(days=days_ahead), datetime.min.time()) + timedelta(
        hours=hour
    )
    return (local - LOCAL).replace(tzinfo=UTC)


def test_rules_reach_the_people_of_the_place_and_push_through_the_robot(running, robot):
    rpc, uri = running
    secretary = rpc.grids.authenticate("secretary", DEMO_PASSWORD)
    worker = rpc.grids.authenticate("gridworker", DEMO_PASSWORD)
    leader = rpc.grids.authenticate("township", DEMO_PASSWORD)
    village_id, grid_id = secretary["org_unit_id"], worker["org_unit_id"]
    village_path = secretary["scope"][0]

    dispatched = publish(
        uri,
        "grassroots.tasks.task.dispatched.v1",
        {
            "task_id": 1,
            "matter_code": "M001",
            "title": "汛期隐患排查",
            "actor_id": leader["id"],
            "village_ids": [village_id],
            "assignment_ids": [1],
            "deadline": "2026-12-01",
            "major": False,
            "township_id": leader["org_unit_id"],
        },
        village_path,
    )
    publish(
        uri,
        "grassroots.tasks.matter.reported.v1",
        {
            "matter_id": 5,
            "title": "路灯不亮",
            "source": "mailbox",
            "level": "grid",
            "status": "open",
            "grid_id": grid_id,
            "village_id": village_id,
        },
        village_path,
    )
    publish(
        uri,
        "grassroots.tasks.alert_digest.issued.v1",
        {
            "person_id": worker["id"],
            "month": "2026-11",
            "phase": "mid",
            "title": "2026-11 月中预警：东山村走访率偏低（1 项）",
            "message": "1. 联户党员张三（东山村）走访率 40%（2/5），低于 80%",
            "items": [],
        },
        village_path,
        subject="alerts/1",
    )

    inbox = wait_for(lambda: rpc.notify.inbox(secretary, {})["items"])
    assert inbox[0]["title"] == "新任务:汛期隐患排查" and inbox[0]["kind"] == "dispatched"
    assert inbox[0]["event_id"] == dispatched["id"]
    mine = wait_for(lambda: len(rpc.notify.inbox(worker, {})["items"]) == 2 and rpc.notify.inbox(worker, {}))
    assert {i["kind"] for i in mine["items"]} == {"reported", "alert"}
    assert rpc.notify.inbox_counts(worker) == {
        "total": 2,
        "unread": 2,
        "unread_by_kind": {"reported": 1, "alert": 1},
    }
    [alert] = rpc.notify.inbox(worker, {"kind": "alert"})["items"]
    assert alert["title"] == "2026-11 月中预警：东山村走访率偏低（1 项）"
    assert alert["body"] == "1. 联户党员张三（东山村）走访率 40%（2/5），低于 80%"
    assert alert["ref"] == {"kind": "alert", "id": 1, "key": "1"}  # what a frontend opens
    assert rpc.notify.inbox(leader, {})["meta"]["total"] == 0  # the dispatcher is not told of his own act

    # quiet hours: nothing is pushed at 23:30 local, the pushes wait for the morning
    assert rpc.notify.deliver_due(daytime(1, 23).isoformat())["deferred"] == 3
    assert robot.requests == []
    result = rpc.notify.deliver_due(daytime(2, 10).isoformat())
    assert result["delivered"] == 3, result
    contents = sorted(json.loads(r["body"])["text"]["content"] for r in robot.requests)
    assert any(c.startswith("新任务:汛期隐患排查\n") for c in contents)
    for r in robot.requests:
        query = parse_qs(urlparse(r["path"]).query)
        assert query["access_token"] == ["tok"]
        assert query["sign"] == [domain.dingtalk_sign(ROBOT_SECRET, int(query["timestamp"][0]))]
        assert json.loads(r["body"])["msgtype"] == "text"

    # read one, then all; counts follow
    assert rpc.notify.mark_read(worker, {"ids": [mine["items"][0]["id"]]}) == {"marked": 1}
    assert rpc.notify.inbox_counts(worker)["unread"] == 1
    assert rpc.notify.mark_all_read(worker) == {"marked": 1}
    assert rpc.notify.inbox_counts(worker) == {"total": 2, "unread": 0, "unread_by_kind": {}}

    # the daily digest: one message per person with unread lines, built once
    today = (utcnow() + LOCAL).date().isoformat()
    assert rpc.notify.digest_send(today) == {"day": today, "people": 1}  # only the secretary has unread
    assert rpc.notify.digest_send(today) == {"day": today, "people": 0}
    before = len(robot.requests)
    assert rpc.notify.deliver_due(daytime(2, 11).isoformat())["delivered"] == 1
    [digest] = robot.requests[before:]
    assert json.loads(digest["body"])["text"]["content"].startswith(
        f"每日消息汇总({today})\n您有 1 条未读消息"
    )


def test_signed_webhooks_retry_then_deliver_or_dead_letter_within_scope(running):
    rpc, uri = running
    admin = rpc.grids.authenticate("admin", DEMO_PASSWORD)
    leader = rpc.grids.authenticate("township", DEMO_PASSWORD)
    other = rpc.grids.authenticate("township2", DEMO_PASSWORD)
    flaky, dead = Receiver(fail_first=2), Receiver(fail_first=None)
    try:
        sub = rpc.notify.create_subscription(
            leader, {"name": "镇综治中心", "url": flaky.url, "event_types": ["grassroots.tasks.#"]}
        )
        assert sub["org_path"] == leader["scope"][0] and len(sub["secret"]) == 64
        doomed = rpc.notify.create_subscription(
            admin,
            {
                "name": "县大数据局",
                "url": dead.url,
                "event_types": ["grassroots.*.alert.raised.v1"],
                "secret": "s" * 32,
            },
        )
        assert doomed["org_path"] == admin["scope"][0]
        with pytest.raises(Exception) as caught:
            rpc.notify.create_subscription(
                leader,
                {"name": "越权", "url": flaky.url, "event_types": ["#"], "org_path": other["scope"][0]},
            )
        assert caught.value.code == "out_of_scope"
        with pytest.raises(Exception) as caught:
            rpc.notify.subscriptions(rpc.grids.authenticate("gridworker", DEMO_PASSWORD), {})
        assert caught.value.code == "forbidden"
        assert [s["id"] for s in rpc.notify.subscriptions(other, {})["items"]] == []

        alert = {
            "alert_id": 2,
            "kind": "matter_overdue",
            "subject_kind": "matter",
            "subject_id": 9,
            "person_ids": [],
            "message": "事项超期",
        }
        inside = publish(uri, "grassroots.tasks.alert.raised.v1", alert, leader["scope"][0] + "9999/")
        publish(
            uri, "grassroots.tasks.alert.raised.v1", alert, other["scope"][0]
        )  # outside the leader's scope
        wait_for(lambda: rpc.notify.deliveries(admin, doomed["id"], {})["meta"]["total"] == 2)
        wait_for(lambda: rpc.notify.deliveries(leader, sub["id"], {})["meta"]["total"] == 1)

        t0 = utcnow() + timedelta(seconds=1)
        assert rpc.notify.deliver_due(t0.isoformat())["retrying"] == 3
        assert (
            rpc.notify.deliver_due((t0 + timedelta(seconds=5)).isoformat())["attempted"] == 0
        )  # backing off
        assert rpc.notify.deliver_due((t0 + timedelta(seconds=11)).isoformat())["retrying"] == 3
        last = rpc.notify.deliver_due((t0 + timedelta(seconds=40)).isoformat())
        assert (last["delivered"], last["dead"]) == (1, 2), last

        # three signed attempts of the same event; the last one accepted
        assert len(flaky.requests) == 3
        for request in flaky.requests:
            assert domain.verify_body(
                sub["secret"], request["body"], request["headers"][domain.SIGNATURE_HEADER]
            )
            assert request["headers"]["Content-Type"].startswith("application/cloudevents+json")
            assert json.loads(request["body"])["id"] == inside["id"]
        log = rpc.notify.deliveries(leader, sub["id"], {})["items"]
        assert [(d["status"], d["attempts"], d["last_status"]) for d in log] == [("delivered", 3, 200)]
        dead_log = rpc.notify.deliveries(admin, doomed["id"], {"status": "dead"})["items"]
        assert [(d["attempts"], d["last_error"]) for d in dead_log] == [(3, "HTTP 500")] * 2
        assert len(dead.requests) == 6
        with pytest.raises(Exception) as caught:
            rpc.notify.deliveries(leader, doomed["id"], {})  # the county's subscription is not his
        assert caught.value.code == "not_found"

        # the dead letters are events too, and the archive (replay) has them
        replayed = wait_for(
            lambda: [
                e
                for e in rpc.notify.replay(admin, {"type": "grassroots.notify.delivery.#", "limit": 50})[
                    "items"
                ]
                if e["data"]["subscription_id"] == doomed["id"]
            ]
        )
        assert len(replayed) == 2 and replayed[0]["data"]["attempts"] == 3

        ended = rpc.notify.end_subscription(leader, sub["id"])
        assert ended["active"] is False and ended["ended_at"]
        publish(uri, "grassroots.tasks.alert.raised.v1", alert, leader["scope"][0])
        time.sleep(1.0)
        assert rpc.notify.deliveries(leader, sub["id"], {})["meta"]["total"] == 1  # nothing new once ended
    finally:
        flaky.close()
        dead.close()
