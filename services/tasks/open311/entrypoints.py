"""nameko entrypoints of the Open311 face (mixed into TasksService). The gateway renders
GeoReport JSON or XML; these return plain dicts in the specification's field names.

`actor` is None for an anonymous client, else the verified token's claims."""

from __future__ import annotations

import time

from nameko.rpc import rpc

from common.config import env
from common.contracts import open311 as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from common.events import utcnow
from common.remote import call
from common.scope import Actor
from services.tasks.open311 import commands, domain, queries

expected = (DomainError,)
NAMES_SECONDS = 600
_NAMES: dict[str, tuple[float, dict[int, str]]] = {}
# grids' department list takes the caller's claims but shows every department to anyone


def jurisdiction() -> str:
    return env("GOV_OPEN311_JURISDICTION", "grassroots")


def _check_jurisdiction(value: str | None) -> None:
    if value and value != jurisdiction():
        raise DomainError("open311_jurisdiction_unknown", {"jurisdiction": value})


def _who(actor: dict | None) -> Actor | None:
    return Actor.from_dict(actor) if actor else None


class Open311Entrypoints:
    # -- helpers (not entrypoints) ----------------------------------------------------

    def _open311_names(self, unit_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
        """Names of org units and departments, cached for a few minutes (they rarely change)."""
        now = time.monotonic()
        units = _NAMES.get("units", (0.0, {}))[1]
        missing = sorted(i for i in unit_ids if i and i not in units)
        if missing:
            found = call(self.grids, "grids", "org_units", missing)
            units = {**units, **{u["id"]: u["name"] for u in found}}
            _NAMES["units"] = (now, units)
        stamp, departments = _NAMES.get("departments", (0.0, {}))
        if not departments or now - stamp > NAMES_SECONDS:
            names = call(self.grids, "grids", "department_names")
            departments = {int(i): name for i, name in names.items()}
            _NAMES["departments"] = (now, departments)
        return units, departments

    def _open311_render(self, who: Actor | None, rows) -> list[dict]:
        ids = {i for _, m, _ in rows for i in (m.grid_id, m.village_id, m.township_id) if i}
        units, departments = self._open311_names(ids) if rows else ({}, {})
        return [
            schema(contracts.ServiceRequest).dump(
                queries.request_dict(sr, m, at, units, departments, queries.sees_everything(who, sr))
            )
            for sr, m, at in rows
        ]

    # -- services ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def open311_services(self, jurisdiction_id: str | None = None) -> list[dict]:
        _check_jurisdiction(jurisdiction_id)
        with self.db() as uow:
            found = queries.services(uow.session)
        return [
            schema(contracts.Service).dump(
                {
                    "service_code": s.code,
                    "service_name": s.name,
                    "description": s.description,
                    "metadata": True,
                    "type": "realtime",
                    "keywords": ",".join(s.keywords),
                    "group": domain.GROUP,
                }
            )
            for s in found
        ]

    @rpc(expected_exceptions=expected)
    def open311_service_definition(self, code: str, jurisdiction_id: str | None = None) -> dict:
        _check_jurisdiction(jurisdiction_id)
        with self.db() as uow:
            found = queries.service(uow.session, code)
        return schema(contracts.ServiceDefinition).dump(domain.definition(found))

    # -- requests ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def open311_submit(self, actor: dict | None, client: str, payload: dict) -> dict:
        """POST requests: a resident's token, or anonymous with phone and grid number."""
        if not (payload or {}).get("service_code"):
            raise DomainError("open311_service_code_missing")
        data = load(schema(contracts.ServiceRequestCreate), payload)
        _check_jurisdiction(data["jurisdiction_id"])
        who = _who(actor)
        now = utcnow()
        with self.db() as uow:
            service = queries.service(uow.session, data["service_code"])
            commands.check_location(data)
            grid_id = commands.grid_of(who, data)
            if who is None:
                commands.limit_anonymous(uow.session, client or "unknown", data["phone"], now)
                uow.commit()  # the attempt counts even if what follows refuses
        try:  # asked with no transaction open
            contact = self._contacts([grid_id]).get(grid_id)
        except DomainError as exc:
            if exc.code == "not_found":
                raise DomainError(
                    "validation_failed", fields={"attribute[grid_id]": ["没有这个网格"]}
                ) from exc
            raise
        with self.db() as uow:
            m = commands.submit(uow, who, data, service, contact, now)
            uow.commit()
            matter_id = m.id
        return schema(contracts.ServiceRequestReceipt).dump(
            {
                "service_request_id": str(matter_id),
                "service_notice": "已收到,网格员会尽快联系您",
                "account_id": str(who.id) if who else None,
            }
        )

    @rpc(expected_exceptions=expected)
    def open311_requests(self, actor: dict | None, query: dict | None = None) -> list[dict]:
        q = load(schema(contracts.ServiceRequestsQuery), query)
        _check_jurisdiction(q["jurisdiction_id"])
        with self.db() as uow:
            rows = queries.requests(uow.session, q, utcnow())
            return self._open311_render(_who(actor), rows)

    @rpc(expected_exceptions=expected)
    def open311_request(
        self, actor: dict | None, request_id: int, jurisdiction_id: str | None = None
    ) -> list:
        _check_jurisdiction(jurisdiction_id)
        with self.db() as uow:
            rows = queries.requests(uow.session, {"service_request_id": str(int(request_id))}, utcnow())
            if not rows:
                raise DomainError("not_found", {"what": "诉求", "what_en": "service request"})
            return self._open311_render(_who(actor), rows)
