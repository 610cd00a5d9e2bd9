"""The pinned outbound request (common.egress_http) against local HTTP servers on
127.0.0.1, opened by the allow-list as a deployment would open its own network: the
connection goes to the address checked, the name stays in the Host header, redirects are
not followed, and failures are logged as generic outcomes."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from common import egress_http
from scripts.local_platform import free_port
from tests.fake_resolver import FakeResolver


class Server:
    """A local endpoint; `answer(handler)` writes the reply, every request is recorded."""

    def __init__(self, answer):
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                answer(self)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


def reply(status: int, body: bytes = b"", **headers):
    def answer(handler):
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


@pytest.fixture
def resolver(monkeypatch):
    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "127.0.0.1/32")
    return FakeResolver().install(monkeypatch)


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(answer) -> Server:
        started.append(Server(answer))
        return started[-1]

    yield start
    for s in started:
        s.close()


def test_the_request_goes_to_the_checked_address_with_the_name_as_host(resolver, servers):
    hook = servers(reply(200, b'{"ok": true}'))
    resolver.answers["hooks.county.gov.cn"] = ["127.0.0.1"]
    got = egress_http.send(f"http://hooks.county.gov.cn:{hook.port}/in?x=1", b"{}", {"X-Test": "1"})
    assert (got.status, got.body) == (200, b'{"ok": true}')
    [seen] = hook.requests
    assert (seen["path"], seen["headers"]["Host"], seen["body"]) == (
        "/in?x=1",
        f"hooks.county.gov.cn:{hook.port}",
        b"{}",
    )
    # the name is resolved once, by the check; the connection is made to the literal address
    assert resolver.calls == ["hooks.county.gov.cn", "127.0.0.1"]


def test_a_name_that_now_resolves_inside_is_refused_before_connecting(resolver, servers, monkeypatch):
    hook = servers(reply(200))
    resolver.answers["hooks.county.gov.cn"] = ["127.0.0.1"]
    url = f"http://hooks.county.gov.cn:{hook.port}/in"
    assert egress_http.send(url, b"1", {}).status == 200
    resolver.answers["hooks.county.gov.cn"] = ["169.254.169.254"]
    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send(url, b"2", {})
    assert failed.value.outcome == "target refused: link-local address"
    monkeypatch.delenv("GOV_OUTBOUND_ALLOW_CIDRS")  # loopback is refused unless listed
    resolver.answers["hooks.county.gov.cn"] = ["127.0.0.1"]
    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send(url, b"3", {})
    assert failed.value.outcome == "target refused: loopback address"
    assert [r["body"] for r in hook.requests] == [b"1"]


@pytest.mark.parametrize(
    "location", ["http://127.0.0.1:{port}/stolen", "http://169.254.169.254/latest/meta-data/"]
)
def test_redirects_are_answered_not_followed(resolver, servers, location):
    elsewhere = servers(reply(200))
    hook = servers(reply(302, Location=location.format(port=elsewhere.port)))
    got = egress_http.send(f"http://127.0.0.1:{hook.port}/in", b"{}", {})
    assert got.status == 302
    assert len(hook.requests) == 1 and elsewhere.requests == []


def test_failures_are_logged_as_generic_outcomes(resolver, servers):
    closed = free_port()
    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send(f"http://127.0.0.1:{closed}/in", b"{}", {})
    assert failed.value.outcome == "connection refused"

    slow = servers(lambda handler: time.sleep(1.5))
    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send(f"http://127.0.0.1:{slow.port}/in", b"{}", {}, timeout=0.3)
    assert failed.value.outcome == "timeout"

    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send("http://no-such-host.county.gov.cn/in", b"{}", {})
    assert failed.value.outcome == "target refused: unresolved"

    hangup = servers(lambda handler: handler.connection.shutdown(socket.SHUT_RDWR))
    with pytest.raises(egress_http.SendFailed) as failed:
        egress_http.send(f"http://127.0.0.1:{hangup.port}/in", b"{}", {})
    assert failed.value.outcome == "connection failed"


def test_only_the_head_of_a_huge_reply_is_read(resolver, servers):
    hook = servers(reply(200, b"x" * (egress_http.MAX_REPLY * 4)))
    got = egress_http.send(f"http://127.0.0.1:{hook.port}/in", b"{}", {})
    assert got.status == 200 and len(got.body) == egress_http.MAX_REPLY
