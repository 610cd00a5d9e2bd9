"""Riding out a broker restart.

Two things in the libraries make a broker restart worse than it need be, and are
adjusted here once for every process (common/__init__.py installs them):

- kombu's consumers retry a lost connection at 2, 4, 6 … up to 30 s apart, so a
  service could stay deaf for half a minute after the broker is back. Here: at most
  2 s apart.
- nameko acknowledges a message, or publishes an RPC reply, on the connection it came
  in on. When that connection died meanwhile, the socket error escapes the worker
  thread and nameko kills the whole service. It need not: an unacknowledged message
  goes back to its queue by itself, and a caller whose reply is lost times out. Here
  those errors are logged and the service lives on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from amqp.exceptions import AMQPError
from kombu import mixins
from kombu.exceptions import OperationalError
from nameko import messaging, rpc

log = logging.getLogger(__name__)

RETRY = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}
CONNECTION_GONE = (OSError, OperationalError, AMQPError)


@contextmanager
def _establish_connection(self: Any) -> Iterator[Any]:
    with self.create_connection() as conn:
        conn.ensure_connection(self.on_connection_error, self.connect_max_retries, **RETRY)
        yield conn


def _tolerant(method: Callable[..., Any], what: str) -> Callable[..., Any]:
    def wrapper(self: Any, message: Any, *args: Any) -> Any:
        try:
            return method(self, message, *args)
        except CONNECTION_GONE as exc:
            log.warning("%s failed, the broker connection is gone (%s); the broker redelivers it", what, exc)
            return args if what == "rpc reply" else None

    return functools.update_wrapper(wrapper, method)


def install() -> None:
    if getattr(mixins.ConsumerMixin, "_grassroots_patched", False):
        return
    patches = (
        (mixins.ConsumerMixin, "establish_connection", _establish_connection),
        (messaging.QueueConsumer, "ack_message", _tolerant(messaging.QueueConsumer.ack_message, "ack")),
        (
            messaging.QueueConsumer,
            "requeue_message",
            _tolerant(messaging.QueueConsumer.requeue_message, "requeue"),
        ),
        (rpc.RpcConsumer, "handle_result", _tolerant(rpc.RpcConsumer.handle_result, "rpc reply")),
        (mixins.ConsumerMixin, "_grassroots_patched", True),  # last: install() has run
    )
    for cls, name, value in patches:
        setattr(cls, name, value)
