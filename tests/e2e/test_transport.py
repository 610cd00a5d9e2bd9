"""Transport and headers: every kind of answer the gateway gives carries the security
headers, and with a certificate in GOV_TLS_CERT/GOV_TLS_KEY the gateway speaks HTTPS
only and sends HSTS. The certificate is made here, for 127.0.0.1, and verified."""

import datetime
import ipaddress
import socket
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.conftest import start_platform

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
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
    assert api_answers[4].json()["code"] == "route_not_found"
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


@pytest.fixture(scope="module")
def tls_platform(vhost, tmp_path_factory, pg_databases, certificate):
    cert_file, key_file = certificate
    running = start_platform(
        pg_databases,
        vhost,
        tmp_path_factory.mktemp("tls-platform"),
        {"GOV_TLS_CERT": str(cert_file), "GOV_TLS_KEY": str(key_file)},
    )
    plain = running.base_url
    running.base_url = plain.replace("http://", "https://")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))  # requests verifies against our CA
        try:
            running.wait_ready()
            yield running, plain
        finally:
            running.stop_all()


def test_the_gateway_serves_https_with_hsts(tls_platform):
    running, plain = tls_platform
    health = requests.get(running.base_url + "/healthz", timeout=10)  # verified against the CA
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert health.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    admin = running.login("admin")  # a whole round trip through the services, over TLS
    me = requests.get(running.base_url + "/api/v1/me", headers=admin, timeout=10)
    assert me.status_code == 200 and "county_admin" in me.json()["roles"]
    assert me.headers["Cache-Control"] == "no-store" and me.headers["Strict-Transport-Security"]
    # an untrusted client refuses the certificate: it is really TLS, not a pass-through
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(running.base_url + "/healthz", timeout=10, verify="/etc/ssl/certs/ca-certificates.crt")


def test_no_cleartext_on_the_tls_port_and_a_stalled_handshake_blocks_nobody(tls_platform):
    running, plain = tls_platform
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(plain + "/healthz", timeout=10)
    host, port = plain.removeprefix("http://").split(":")
    stalled = socket.create_connection((host, int(port)))  # connects and never says hello
    try:
        started = time.monotonic()
        r = requests.get(running.base_url + "/healthz", timeout=10)
        assert r.status_code == 200 and time.monotonic() - started < 5
    finally:
        stalled.close()
