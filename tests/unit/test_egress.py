"""Where the platform may send requests of its own (common.egress): literal addresses of
every forbidden kind, names whose resolver (patched: nothing leaves this machine) answers
with one, the allow-list for a deployment's own networks, and URL tricks."""

import ipaddress

import pytest

from common import egress
from common.errors import DomainError
from tests.fake_resolver import FakeResolver

PUBLIC = "93.184.215.14"


@pytest.fixture
def resolver(monkeypatch):
    monkeypatch.delenv("GOV_OUTBOUND_ALLOW_CIDRS", raising=False)
    fake = FakeResolver().install(monkeypatch)
    return fake.answers, fake.calls


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # shared address space (carrier NAT)
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of the metadata address
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 around 127.0.0.1
    ],
)
def test_forbidden_literal_addresses_are_refused_by_default(resolver, address, reason):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(egress.TargetRefused) as refused:
        egress.resolve(f"http://{host}:8080/hook")
    assert refused.value.reason == reason
    assert egress.refusal(ipaddress.ip_address(address), []) == reason


def test_a_public_address_is_pinned_with_the_name_kept_for_host_and_tls(resolver):
    answers, calls = resolver
    answers["hooks.example.gov.cn"] = [PUBLIC]
    target = egress.resolve("https://hooks.example.gov.cn/in/events?x=1")
    assert target == egress.Target("https", "hooks.example.gov.cn", 443, "/in/events?x=1", PUBLIC)
    assert calls == ["hooks.example.gov.cn"]


def test_a_name_with_any_forbidden_address_is_refused(resolver):
    answers, _ = resolver
    answers["mixed.example.com"] = [PUBLIC, "10.1.2.3"]
    answers["meta.example.com"] = ["2001:4860:4860::8888", "fd00:ec2::254"]
    answers["inside.example.com"] = ["169.254.169.254"]
    assert _reason("http://mixed.example.com/") == "private"
    assert _reason("http://meta.example.com/") == "private"
    assert _reason("http://inside.example.com/latest/meta-data/") == "link-local"
    assert _reason("http://nowhere.example.com/") == "unresolved"


def test_the_allow_list_opens_listed_private_and_loopback_ranges_only(resolver, monkeypatch):
    answers, _ = resolver
    answers["hooks.county.internal"] = ["10.20.9.9"]
    monkeypatch.setenv("GOV_OUTBOUND_ALLOW_CIDRS", "10.20.0.0/16, 127.0.0.1/32,169.254.0.0/16,fd00::/64")
    assert egress.resolve("http://10.20.3.4/").address == "10.20.3.4"
    assert egress.resolve("https://hooks.county.internal/in").address == "10.20.9.9"
    assert egress.resolve("http://127.0.0.1:9/").address == "127.0.0.1"
    assert egress.resolve("http://[fd00::5]/").address == "fd00::5"
    assert _reason("http://10.21.0.1/") == "private"
    assert _reason("http://127.0.0.2/") == "loopback"
    assert _reason("http://169.254.169.254/") == "link-local"  # never, even when listed


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "scheme"),
        ("ftp://hooks.example.gov.cn/", "scheme"),
        ("http://hooks.example.gov.cn@127.0.0.1/", "userinfo"),
        ("http://user:pw@hooks.example.gov.cn/", "userinfo"),
        ("http://hooks.example.gov.cn\\@127.0.0.1/", "malformed"),
        ("http://hooks.example.gov.cn/\r\nHost: evil", "malformed"),
        ("http:///nohost", "malformed"),
        ("http://hooks.example.gov.cn:99999/", "malformed"),
    ],
)
def test_url_tricks_are_refused_before_any_lookup(resolver, url, reason):
    resolver[0]["hooks.example.gov.cn"] = [PUBLIC]
    assert _reason(url) == reason
    assert resolver[1] == []


def test_numeric_host_spellings_of_loopback_are_refused(monkeypatch):
    monkeypatch.delenv("GOV_OUTBOUND_ALLOW_CIDRS", raising=False)
    for url in ("http://2130706433/", "http://0x7f.0.0.1/", "http://127.1/", "http://017700000001/"):
        with pytest.raises(egress.TargetRefused):  # loopback, or unresolved where the resolver is strict
            egress.resolve(url)


def test_a_refused_registration_is_a_422_with_its_reason_in_both_languages(resolver):
    with pytest.raises(DomainError) as caught:
        egress.require_allowed("http://169.254.169.254/latest/meta-data/")
    error = caught.value
    assert (error.status, error.code, error.params["kind"]) == (422, "outbound_target_refused", "link-local")
    assert error.message("zh") == "不允许向该地址发送:链路本地地址(含云元数据地址)"
    assert error.message("en").endswith("a link-local address (cloud metadata included)")


def _reason(url: str) -> str:
    with pytest.raises(egress.TargetRefused) as refused:
        egress.resolve(url)
    return refused.value.reason
