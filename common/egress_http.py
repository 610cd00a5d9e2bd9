"""One outbound HTTP request to a checked target (`common.egress`): the connection goes to
the address the check resolved, with the name as Host header, TLS SNI and certificate
name; redirects are answered, never followed; the body read back is capped.

Failures come back as `SendFailed` with a generic outcome ("timeout", "connection
refused", "target refused: private address", …) for the delivery log; the exception's own
text, which may carry addresses or remote content, is never put there.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from typing import Any

import certifi
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from common import egress
from common.config import env

log = logging.getLogger(__name__)
MAX_REPLY = 64 * 1024  # enough for a robot's JSON answer; nobody needs more of a reply


class SendFailed(Exception):
    def __init__(self, outcome: str, status: int | None = None):
        super().__init__(outcome)
        self.outcome, self.status = outcome, status


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


def _pool(target: egress.Target, timeout: float) -> urllib3.HTTPConnectionPool:
    kwargs: dict[str, Any] = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(target.address, target.port, **kwargs)
    return urllib3.HTTPSConnectionPool(
        target.address,
        target.port,
        server_hostname=target.host,
        assert_hostname=target.host,
        cert_reqs="CERT_REQUIRED",
        # a government network's own CA, else the public ones
        ca_certs=env("GOV_OUTBOUND_CA_BUNDLE") or certifi.where(),
        **kwargs,
    )


def _refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == errno.ECONNREFUSED:
            return True
        seen = seen.__cause__ or seen.__context__
    return "refused" in str(exc).lower()


def outcome_of(exc: BaseException) -> str:
    """A generic name for a failure to talk to the target."""
    if isinstance(exc, NewConnectionError):  # before ConnectTimeoutError: a subclass in urllib3 1.x
        return "connection refused" if _refused(exc) else "connection failed"
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, SSLError):
        return "TLS error"
    if isinstance(exc, (ProtocolError, OSError)) and _refused(exc):
        return "connection refused"
    return "connection failed"


def send(url: str, body: bytes, headers: dict, timeout: float = 5.0, method: str = "POST") -> Reply:
    """Check `url` now (every attempt, not only when it was registered) and send."""
    try:
        target = egress.resolve(url)
    except egress.TargetRefused as refused:
        raise SendFailed(refused.outcome) from None
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if ":" not in target.host else f"[{target.host}]"
    headers = {**headers, "Host": host if target.port == default_port else f"{host}:{target.port}"}
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            method, target.path, body=body, headers=headers, redirect=False, preload_content=False
        )
        try:
            data = response.read(MAX_REPLY)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        log.info("request to %s:%s failed: %r", target.host, target.port, exc)  # operators see the detail
        raise SendFailed(outcome_of(exc)) from None
    finally:
        pool.close()
    return Reply(response.status, data)
