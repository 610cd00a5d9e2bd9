"""The pinned outbound request (common.egress_http) against local HTTP servers on
127.0.0.1, opened by the allow-list as a deployment would open its own network: the
connection goes to the address checked, the name stays in the Host header, redirects are
not followed, and failures are logged as generic outcomes."""

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import eventlet
import pytest

from common import egress_http
from scripts.local_platform import ROOT, free_port
from tests.fake_resolver import FakeResolver


class Server:
    """A local endpoint; `answer(handler)` writes the reply, every request is recorded."""

    def __init__(self, answer, host="127.0.0.1"):
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

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.http = type("Http", (ThreadingHTTPServer,), {"address_family": family})((host, 0), Handler)
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

    def start(answer, host="127.0.0.1") -> Server:
        started.append(Server(answer, host))
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


def test_an_ipv6_address_is_pinned_too(resolver, servers, monkeypatch):
    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "::1/128")
    hook = servers(reply(204), host="::1")
    resolver.answers["v6.county.gov.cn"] = ["::1"]
    assert egress_http.send(f"http://v6.county.gov.cn:{hook.port}/in", b"{}", {}).status == 204
    assert hook.requests[0]["headers"]["Host"] == f"v6.county.gov.cn:{hook.port}"
    assert egress_http.send(f"http://[::1]:{hook.port}/in", b"{}", {}).status == 204
    assert hook.requests[1]["headers"]["Host"] == f"[::1]:{hook.port}"
    with pytest.raises(egress_http.SendFailed) as failed:  # IPv4 loopback is not on this list
        egress_http.send(f"http://127.0.0.1:{hook.port}/in", b"{}", {})
    assert failed.value.outcome == "target refused: loopback address"


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


def certificate(tmp_path, name: str) -> tuple[str, str]:
    """A self-signed certificate for `name` (its own CA), made with the openssl CLI."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


CLIENT = """
import json, socket, sys
from tests.fake_resolver import FakeResolver
resolver = FakeResolver()
resolver.answers.update(json.loads(sys.argv[2]))
socket.getaddrinfo = resolver
from common import egress_http
try:
    got = egress_http.send(sys.argv[1], b"{}", {})
    print(json.dumps({"status": got.status, "body": got.body.decode()}))
except egress_http.SendFailed as failed:
    print(json.dumps({"outcome": failed.outcome}))
"""


def send_from_a_plain_process(url: str, answers: dict, env: dict) -> dict:
    """The request from a process without eventlet: pytest's plugins import ssl before
    conftest patches it, which breaks urllib3's TLS in this one (not in a service)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLIENT, url, json.dumps(answers)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": ROOT, "GOV_OUTBOUND_ALLOW_CIDRS": "127.0.0.1/32", **env},
    )
    while proc.poll() is None:  # let the green server answer meanwhile
        eventlet.sleep(0.05)
    return json.loads(proc.stdout.read())


def test_https_checks_the_certificate_against_the_name_while_connecting_to_the_address(servers, tmp_path):
    cert, key = certificate(tmp_path, "hooks.county.gov.cn")
    hook = servers(reply(200, b"ok"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    hook.http.socket = context.wrap_socket(hook.http.socket, server_side=True)
    answers = {"hooks.county.gov.cn": ["127.0.0.1"], "other.county.gov.cn": ["127.0.0.1"]}
    url = f"https://hooks.county.gov.cn:{hook.port}/in"

    assert send_from_a_plain_process(url, answers, {}) == {"outcome": "TLS error"}  # no public CA signed it
    own_ca = {"GOV_OUTBOUND_CA_BUNDLE": cert}  # the deployment's own CA
    assert send_from_a_plain_process(url, answers, own_ca) == {"status": 200, "body": "ok"}
    assert hook.requests[-1]["headers"]["Host"] == f"hooks.county.gov.cn:{hook.port}"
    other = f"https://other.county.gov.cn:{hook.port}/in"  # same address, a name the certificate lacks
    assert send_from_a_plain_process(other, answers, own_ca) == {"outcome": "TLS error"}
    assert len(hook.requests) == 1
