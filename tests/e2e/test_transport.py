"""Transport and headers: every kind of answer the gateway gives carries the security
headers, and with a certificate in GOV_TLS_CERT/GOV_TLS_KEY the gateway speaks HTTPS
only and sends HSTS. The certificate is made here, for 127.0.0.1, and verified."""

import datetime
import ipaddress
import json
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.grids.demo import DEMO_PASSWORD
from tests.e2e.conftest import start_platform
from tests.photos import jpeg

JPEG = jpeg()
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def assert_secured(response, *, api: bool):
    where = f"{response.request.method} {response.request.path_url} -> {response.status_code}"
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (where, name, dict(response.headers))
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], where
    if api:
        assert response.headers["Cache-Control"] == "no-store", where
    assert "Strict-Transport-Security" not in response.headers, where  # plain HTTP here


def test_every_kind_of_answer_carries_the_security_headers(platform_pg):
    base = platform_pg.base_url
    admin = platform_pg.login("admin")
    member = platform_pg.login("member")
    upload = requests.post(
        base + "/api/v1/attachments", headers=member, files={"file": ("a.jpg", JPEG)}, timeout=30
    )
    assert upload.status_code == 201, upload.text
    attachment = requests.get(f"{base}/api/v1/attachments/{upload.json()['id']}", headers=member, timeout=10)
    assert attachment.status_code == 200 and attachment.content == JPEG
    api_answers = [
        upload,
        attachment,
        requests.get(base + "/api/v1/me", headers=admin, timeout=10),  # 200 JSON
        requests.get(base + "/api/v1/me", timeout=10),  # 401 problem
        requests.get(base + "/api/v1/tasks/0", headers=admin, timeout=10),  # 404 from a route
        requests.get(base + "/api/v1/no-such-thing", timeout=10),  # 404 from the catch-all
        requests.options(base + "/api/v1/me", timeout=10),  # werkzeug's own 405
        requests.post(base + "/api/v1/people", headers=admin, data="{", timeout=10),  # 415/400
    ]
    statuses = [r.status_code for r in api_answers]
    assert statuses[:7] == [201, 200, 200, 401, 404, 404, 405], statuses
    assert api_answers[4].json()["code"] == "not_found"  # /tasks/0 names no record
    for r in api_answers:
        assert_secured(r, api=True)
    assert attachment.headers["Content-Type"] == "image/jpeg"

    others = [
        requests.get(base + "/healthz", timeout=10),
        requests.get(base + "/openapi.json", timeout=10),
        requests.get(base + "/docs", timeout=10),
        requests.get(base + "/docs/init.js", timeout=10),
        requests.get(base + "/docs/static/swagger-ui-bundle.js", timeout=10),
        requests.get(base + "/console/", timeout=10),
        requests.get(base + "/open311/v2/discovery.json", timeout=10),
        requests.get(base + "/open311/v2/requests/0.json", timeout=10),
    ]
    assert [r.status_code for r in others][:5] == [200] * 5
    assert others[7].status_code == 404
    for r in others:
        assert_secured(r, api=False)
    # HTML pages get the policy they work under (checked in Chromium by test_console.py);
    # everything else may load nothing at all
    docs_csp = others[2].headers["Content-Security-Policy"]
    assert "script-src 'self';" in docs_csp and "unsafe-eval" not in docs_csp
    assert "<script>" not in others[2].text  # no inline script for the policy to allow
    console_csp = others[5].headers["Content-Security-Policy"]
    assert "script-src 'self';" in console_csp and "unsafe" not in console_csp.split("style-src")[0]
    assert others[1].headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert api_answers[2].headers["Content-Security-Policy"].startswith("default-src 'none'")


# -- the gateway serving TLS itself ----------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key, as PEM files."""
    where = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = where / "tls.crt", where / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def curl(url: str, cafile, *args: str) -> tuple[int, dict, str]:
    """An HTTPS request by curl, a client of its own: this test process runs under eventlet,
    whose patched ssl module cannot make client connections."""
    with tempfile.TemporaryDirectory() as where:
        head, body = Path(where) / "head", Path(where) / "body"
        command = [
            "curl",
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            str(cafile),
            "-D",
            str(head),
            "-o",
            str(body),
        ]
        result = subprocess.run([*command, *args, url], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise ConnectionError(result.returncode, result.stderr)
        status_line, *lines = head.read_text().strip().splitlines()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        return int(status_line.split()[1]), headers, body.read_text()


@pytest.fixture(scope="module")
def tls_platform(vhost, tmp_path_factory, pg_databases, certificate):
    cert_file, key_file = certificate
    running = start_platform(
        pg_databases,
        vhost,
        tmp_path_factory.mktemp("tls-platform"),
        {"GOV_TLS_CERT": str(cert_file), "GOV_TLS_KEY": str(key_file)},
    )
    https = running.base_url.replace("http://", "https://")
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if curl(https + "/readyz", cert_file)[0] == 200:
                    break
            except ConnectionError:
                pass
            assert time.monotonic() < deadline, "the TLS platform did not become ready"
            time.sleep(1)
        yield running, https, cert_file
    finally:
        running.stop_all()


def test_the_gateway_serves_https_with_hsts(tls_platform):
    running, https, cafile = tls_platform
    status, headers, body = curl(https + "/healthz", cafile)  # verified against our CA
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers.get("strict-transport-security") == "max-age=31536000; includeSubDomains", headers
    assert headers["x-content-type-options"] == "nosniff"
    # a whole round trip through the services, over TLS
    login = json.dumps({"username": "admin", "password": DEMO_PASSWORD})
    status, _, body = curl(
        https + "/api/v1/auth/login", cafile, "-H", "Content-Type: application/json", "--data", login
    )
    assert status == 200, body
    token = json.loads(body)["token"]
    status, headers, body = curl(https + "/api/v1/me", cafile, "-H", f"Authorization: Bearer {token}")
    assert status == 200 and "county_admin" in json.loads(body)["roles"]
    assert headers["cache-control"] == "no-store" and headers["strict-transport-security"]
    # a client that does not trust the certificate refuses it: it is really TLS
    with pytest.raises(ConnectionError):
        curl(https + "/healthz", "/etc/ssl/certs/ca-certificates.crt")


def test_no_cleartext_on_the_tls_port_and_a_stalled_handshake_blocks_nobody(tls_platform):
    running, https, cafile = tls_platform
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(running.base_url + "/healthz", timeout=10)  # plain HTTP to the TLS port
    host, port = https.removeprefix("https://").split(":")
    stalled = socket.create_connection((host, int(port)))  # connects and never says hello
    try:
        started = time.monotonic()
        status, _, _ = curl(https + "/healthz", cafile)
        assert status == 200 and time.monotonic() - started < 5
    finally:
        stalled.close()
