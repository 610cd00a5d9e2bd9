"""The caller's address for the audit trail and the rate limits.

`X-Forwarded-For` is believed only from the proxies named in `GOV_TRUSTED_PROXIES`
(comma-separated addresses); otherwise anyone could write any address into the trail.
The client is the rightmost address in the chain that is not a trusted proxy.
"""

from __future__ import annotations

from common.config import env


def trusted_proxies() -> frozenset[str]:
    return frozenset(p.strip() for p in (env("GOV_TRUSTED_PROXIES") or "").split(",") if p.strip())


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    peer = remote_addr or "unknown"
    if peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop[:64]
    return peer


def of(request) -> str:
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies())
