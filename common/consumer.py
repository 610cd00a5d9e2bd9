"""An event handler entrypoint bound to the one CloudEvents topic exchange.

nameko's own `event_handler` listens on `<service>.events` exchanges that it declares
auto-delete; ours binds a durable queue per (service, method) to `grassroots.events`
with the event type as routing key, so events published while the consumer is down
wait for it. Handlers deduplicate with `uow.first_delivery(event["id"], ...)`.
"""

from __future__ import annotations

import uuid
from typing import Any

from kombu import Exchange, Queue
from nameko.events import SERVICE_POOL, EventHandler

from common.events import EXCHANGE, event_type

events_exchange = Exchange(EXCHANGE, type="topic", durable=True, auto_delete=False)


class CloudEventHandler(EventHandler):
    def __init__(
        self, source_service: str, name: str, version: int = 1, broadcast: bool = False, **kwargs: Any
    ):
        self.cloudevent_type = event_type(source_service, name, version)
        # broadcast: every running instance gets every event (a queue of its own that
        # goes away with it), for state each replica keeps in memory
        self.broadcast = broadcast
        # A handler that fails (database away, say) puts the event back, never drops it.
        kwargs.setdefault("requeue_on_error", True)
        super().__init__(source_service, name, handler_type=SERVICE_POOL, **kwargs)

    def queue_name(self, service_name: str, method_name: str) -> str:
        """The queue's name (a broadcast queue adds `-<12 hex>` of its own)."""
        return f"evt-{self.cloudevent_type}--{service_name}.{method_name}"

    def setup(self) -> None:
        name = self.queue_name(self.container.service_name, self.method_name)
        if self.broadcast:
            self.queue = Queue(
                f"{name}-{uuid.uuid4().hex[:12]}",
                exchange=events_exchange,
                routing_key=self.cloudevent_type,
                durable=False,
                auto_delete=True,
                exclusive=True,
            )
        else:
            self.queue = Queue(name, exchange=events_exchange, routing_key=self.cloudevent_type, durable=True)
        # Skip EventHandler.setup (it would bind to nameko's per-service exchange).
        super(EventHandler, self).setup()


on_event = CloudEventHandler.decorator
