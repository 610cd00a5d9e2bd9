"""A CloudEvents entrypoint bound to several routing keys with one durable queue.

`common.consumer.on_event` binds one queue per (event type, handler). notify needs a
handler for every type its rule table names (patterns like `grassroots.scoring.praise.#`
included) and one for everything (`#`, the event store), so this variant binds one
durable queue, `evt-<service>.<method>`, to the topic exchange once per pattern.
Redelivered events are dropped by the handler (`uow.first_delivery`); a handler that
fails requeues the event.
"""

from __future__ import annotations

from kombu import Queue, binding
from nameko.events import SERVICE_POOL, EventHandler

from common.consumer import events_exchange


class MultiEventHandler(EventHandler):
    def __init__(self, patterns: list[str], **kwargs):
        if not patterns:
            raise ValueError("bind at least one routing key pattern")
        self.patterns = list(patterns)
        kwargs.setdefault("requeue_on_error", True)
        super().__init__("*", "*", handler_type=SERVICE_POOL, **kwargs)

    def queue_name(self, service_name: str, method_name: str) -> str:
        return f"evt-{service_name}.{method_name}"

    def setup(self) -> None:
        self.queue = Queue(
            self.queue_name(self.container.service_name, self.method_name),
            bindings=[binding(events_exchange, routing_key=p) for p in self.patterns],
            durable=True,
        )
        super(EventHandler, self).setup()  # not EventHandler.setup: it binds nameko's own exchange


on_events = MultiEventHandler.decorator
