"""The channel the gateway sends audit records to grids on: a durable queue of its own,
not the public events exchange (outside subscribers must not see refused requests).

A record is `{"actor_id", "action", "target", "org_path", "detail", "client", "outcome", "at"}`.
"""

from __future__ import annotations

from kombu import Exchange, Queue

audit_exchange = Exchange("grassroots.audit", type="direct", durable=True, auto_delete=False)
audit_queue = Queue("grids.audit", exchange=audit_exchange, routing_key="audit", durable=True)
