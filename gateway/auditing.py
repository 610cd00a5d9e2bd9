"""What the gateway adds to the audit trail: requests it refused (401/403), exports of
personal data, reads of personal data in full (routes marked `sensitive`), and every write
that went through. Records go to grids on their own durable queue (common.auditbus);
publishing does not wait for grids, and a failure to publish is logged, never turned into
an error for the caller."""

from __future__ import annotations

import logging

from nameko.messaging import Publisher

from common.auditbus import audit_exchange, audit_queue
from common.events import utcnow

log = logging.getLogger(__name__)
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def audit_publisher() -> Publisher:
    return Publisher(exchange=audit_exchange, declare=[audit_queue])


def record(actor: dict | None, action: str, request, client: str, outcome: str, **detail) -> dict:
    scope = (actor or {}).get("scope") or []
    return {
        "actor_id": (actor or {}).get("id", 0),
        "action": action,
        "target": f"{request.method} {request.path}"[:80],
        "org_path": min(scope, default=""),
        "detail": {"query": request.query_string.decode("utf-8", "replace")[:500], **detail},
        "client": client,
        "outcome": outcome,
        "at": utcnow().isoformat(),
    }


def what_to_record(
    method: str, status: int, exported: bool, sensitive: bool = False
) -> tuple[str, str] | None:
    """(action, outcome) for an answer the gateway records, else None. `sensitive`: the route
    answers personal data in full (a requester's phone), so each read it answers is recorded."""
    if status in (401, 403):
        return "request.refused", "refused"
    if exported and status == 200:
        return "personal_data.exported", "ok"
    if sensitive and status == 200:
        return "personal_data.read", "ok"
    if method in WRITES and status < 400:
        return "request.write", "ok"
    return None


def send(publish, entry: dict) -> None:
    try:
        publish(entry, routing_key="audit")
    except Exception:  # noqa: BLE001 - the answer must not fail because the trail's queue did
        log.exception("could not send an audit record: %s", entry.get("action"))
