"""nameko entrypoints of the audit trail (mixed into GridsService): reading it, exporting it
as .xlsx, and taking the gateway's records from their own queue. There is no entrypoint
that changes or removes a record."""

from __future__ import annotations

import base64
import logging
from datetime import datetime

from nameko.messaging import consume
from nameko.rpc import rpc

from common import roles, xlsx
from common.auditbus import audit_queue
from common.contracts import grids as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from services.grids import audit
from services.grids.domain import Actor

log = logging.getLogger(__name__)
expected = (DomainError,)
READERS = set(roles.AUDIT_READERS)  # township leaders: their part only
EXPORTERS = set(roles.AUDIT_EXPORTERS)
EXPORT_ROWS = 50_000
COLUMNS = ("id", "at", "actor_id", "action", "target", "outcome", "client", "org_path", "detail")


def _actor(claims: dict) -> Actor:
    return Actor.from_claims({**claims, "sub": claims["id"]})


def _xlsx(rows: list[dict]) -> bytes:
    """The trail as a workbook, through the one export helper (text stays text, never a formula)."""
    header = ["编号", "时间", "操作人", "操作", "对象", "结果", "来源地址", "组织路径", "详情"]
    cells = []
    for row in rows:
        line = [row[c] for c in COLUMNS]
        line[1] = row["at"].isoformat() if isinstance(row["at"], datetime) else row["at"]
        line[-1] = str(row["detail"])
        cells.append(line)
    return xlsx.write_workbook("审计记录", header, cells)


class AuditEntrypoints:
    @rpc(expected_exceptions=expected)
    def audit_log(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.AuditQuery), query)
        who = _actor(actor)
        if not READERS & who.roles:
            raise DomainError("forbidden")
        with self.db() as uow:
            rows, total = audit.entries(uow.session, who.roles, who.scope_paths, q, q["page"], q["per_page"])
            page = {"page": q["page"], "per_page": q["per_page"], "total": total}
            return schema(contracts.AuditPage).dump(
                {"items": [audit.entry_dict(r) for r in rows], "meta": page}
            )

    @rpc(expected_exceptions=expected)
    def audit_export(self, actor: dict, query: dict | None = None) -> str:
        """The filtered trail as .xlsx (base64), newest first, up to EXPORT_ROWS rows."""
        q = load(schema(contracts.AuditQuery), query)
        who = _actor(actor)
        if not EXPORTERS & who.roles:
            raise DomainError("forbidden")
        with self.db() as uow:
            rows, _ = audit.entries(uow.session, who.roles, who.scope_paths, q, 1, EXPORT_ROWS)
            content = _xlsx([audit.entry_dict(r) for r in rows])
            audit.write(
                uow.session,
                actor_id=who.person_id,
                action="audit.exported",
                target="audit",
                org_path=min(who.scope_paths, default=""),
                detail={"rows": len(rows), "filters": {k: str(v) for k, v in q.items() if v is not None}},
                client=who.client,
            )
            uow.commit()
        return base64.b64encode(content).decode("ascii")

    @consume(audit_queue, requeue_on_error=True)
    def on_gateway_audit(self, record: dict) -> None:
        """A refused request, an export or a write the gateway saw."""
        at = datetime.fromisoformat(record["at"]) if record.get("at") else None
        with self.db() as uow:
            audit.write(
                uow.session,
                actor_id=record.get("actor_id"),
                action=str(record.get("action", "request")),
                target=str(record.get("target", "")),
                org_path=str(record.get("org_path") or ""),
                detail=record.get("detail") or {},
                client=record.get("client"),
                outcome=str(record.get("outcome", "ok")),
                at=at,
            )
            uow.commit()
