"""Where the platform may send a request of its own (webhooks, push robots): an http(s)
URL whose host resolves only to addresses outside the platform's own networks.

Every address the name resolves to is checked, so a name cannot hide one inside address
behind a public one. Loopback and private ranges may be opened by listing them in
GOV_OUTBOUND_ALLOW_CIDRS (government systems sit on private government networks);
link-local (cloud metadata at 169.254.169.254), multicast, unspecified and reserved
addresses never are. The caller connects to the address returned here, not to the name
again, so the answer cannot change between the check and the request (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from common.config import env
from common.errors import DomainError

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
ADDRESS_REASONS = ("loopback", "link-local", "multicast", "unspecified", "reserved", "private")
NEVER = ("link-local", "multicast", "unspecified", "reserved")  # the allow-list cannot open these
REASONS = {  # reason: (Chinese, English), for the 422 a refused subscription gets
    "scheme": ("只允许 http 或 https 地址", "only http and https are allowed"),
    "userinfo": ("地址中不能带用户名或密码", "no user name or password in the URL"),
    "malformed": ("地址格式不正确", "the URL is malformed"),
    "unresolved": ("域名无法解析", "the host name does not resolve"),
    "loopback": ("本机回环地址", "a loopback address"),
    "link-local": ("链路本地地址(含云元数据地址)", "a link-local address (cloud metadata included)"),
    "multicast": ("组播地址", "a multicast address"),
    "unspecified": ("未指定地址", "an unspecified address"),
    "reserved": ("保留地址", "a reserved address"),
    "private": ("内网地址(未列入允许名单)", "a private address not on the allow-list"),
}


class TargetRefused(Exception):
    """The URL may not be called; `reason` is one of REASONS' keys."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def outcome(self) -> str:
        """The generic line a delivery log shows."""
        return f"target refused: {self.reason}" + (" address" if self.reason in ADDRESS_REASONS else "")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name as written (Host header, TLS SNI and certificate check)
    port: int
    path: str  # path and query
    address: str  # the resolved address the request must go to


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """GOV_OUTBOUND_ALLOW_CIDRS, comma separated, e.g. `10.20.0.0/16,2001:db8::/32`."""
    raw = env("GOV_OUTBOUND_ALLOW_CIDRS", "") or ""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


def _embedded(ip: IP) -> list[IP]:
    """The IPv4 addresses an IPv6 address carries to (mapped, NAT64, 6to4, Teredo)."""
    if ip.version == 4:
        return []
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip in NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    inner: list[IP] = [ip.sixtofour] if ip.sixtofour else []
    return inner + (list(ip.teredo) if ip.teredo else [])


def _category(ip: IP) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified or (ip.version == 4 and ip in THIS_NETWORK):
        return "unspecified"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:  # RFC 1918, ULA, 100.64/10 shared space, …
        return "private"
    return None


def refusal(ip: IP, allowed: list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None = None) -> str | None:
    """Why `ip` may not be called, or None when it may."""
    allowed = allowed_networks() if allowed is None else allowed
    carried = _embedded(ip)
    # a mapped or NAT64 address goes where its IPv4 goes; 6to4/Teredo are checked both ways
    checked = carried if (ip.version == 6 and (ip.ipv4_mapped or ip in NAT64)) else [ip, *carried]
    for each in checked:
        reason = _category(each)
        if reason is None:
            continue
        if reason in NEVER or not any(each.version == n.version and each in n for n in allowed):
            return reason
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        raise TargetRefused("malformed")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise TargetRefused("malformed") from exc
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("scheme")
    if "@" in parts.netloc or parts.username is not None:
        raise TargetRefused("userinfo")
    if not parts.hostname:
        raise TargetRefused("malformed")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def resolve(url: str) -> Target:
    """Check `url` and pick the address to connect to, or raise TargetRefused."""
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise TargetRefused("unresolved") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise TargetRefused("unresolved")
    allowed = allowed_networks()
    for ip in addresses:
        reason = refusal(ip, allowed)
        if reason:
            raise TargetRefused(reason)
    return Target(scheme, host, port, path, str(addresses[0]))


def require_allowed(url: str) -> Target:
    """resolve(), with a refusal as the 422 a caller registering `url` gets."""
    try:
        return resolve(url)
    except TargetRefused as refused:
        zh, en = REASONS[refused.reason]
        raise DomainError(
            "outbound_target_refused", {"reason": zh, "reason_en": en, "kind": refused.reason}
        ) from None
