"""Calling a service over the bus with a deadline: no caller ever hangs.

nameko's in-service RpcProxy waits for a reply forever; every call goes through
`call(proxy, service, method, ...)` instead (the gateway, and services that look
something up in another service).

A stopped service (no queue bound) answers 503 at once; one that does not reply in
time answers 504; a broker that is away answers 503. The request message expires
with the deadline, so a service that comes back does not act on a call nobody awaits.
"""

from __future__ import annotations

import logging
from typing import Any

import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService

from common.config import env
from common.errors import DomainError

log = logging.getLogger(__name__)


# Exception types (as nameko names them across the bus) that mean "the database is away".
STORAGE_OUTAGES = {
    "OperationalError",
    "InterfaceError",
    "DisconnectionError",
    "TimeoutError",
    "PendingRollbackError",
}


def rpc_timeout() -> float:
    return float(env("GOV_RPC_TIMEOUT", "5"))


def call(
    proxy: Any, service: str, method: str, *args: Any, timeout: float | None = None, **kwargs: Any
) -> Any:
    deadline = timeout or rpc_timeout()
    try:
        with eventlet.Timeout(deadline):
            return getattr(proxy, method)(*args, **kwargs)
    except DomainError:
        raise
    except eventlet.Timeout as exc:
        raise DomainError("service_timeout", {"service": service}) from exc
    except UnknownService as exc:
        raise DomainError("service_unavailable", {"service": service}) from exc
    except RemoteError as exc:
        if exc.exc_type in STORAGE_OUTAGES:
            # the service is up but its database is not: unavailable, not a bug
            log.warning("%s.%s: its database is unavailable: %s", service, method, exc.value)
            raise DomainError("service_unavailable", {"service": service}) from exc
        raise
    except (OperationalError, AMQPError, OSError) as exc:
        log.warning("broker unavailable calling %s.%s: %s", service, method, exc)
        raise DomainError("service_unavailable", {"service": service}) from exc
