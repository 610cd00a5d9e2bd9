"""grids service: nameko entrypoints only translate between the bus and the use cases."""

from __future__ import annotations

import base64
from datetime import datetime

from nameko.rpc import RpcProxy, rpc

from common import crypto, process
from common.contracts import grids as contracts
from common.contracts.base import load, schema
from common.db import Database
from common.errors import DomainError, not_found, refused
from common.paging import page_of
from common.preflight import Preflight
from common.remote import call, rpc_timeout
from services.grids import commands, credentials, importing, queries
from services.grids.account_entrypoints import AccountEntrypoints
from services.grids.audit_entrypoints import AuditEntrypoints
from services.grids.domain import Actor, Level, LinkKind, Role, may
from services.grids.models import Base, Household, OrgUnit, OutboxMessage, Person, ProcessedEvent
from services.grids.reach import Reach
from services.grids.visibility import load_reach

process.start()  # this process is a service: set it up (common/process.py)

expected = (DomainError,)


def _actor(claims: dict) -> Actor:
    return Actor.from_claims({**claims, "sub": claims["id"]})


class GridsService(AccountEntrypoints, AuditEntrypoints):
    name = "grids"

    db = Database(Base, OutboxMessage, ProcessedEvent)
    preflight = Preflight(crypto.ensure_configured)  # production refuses to start without keys
    # the parties to a department's orders live with the orders, in tasks
    tasks = RpcProxy("tasks")

    def _reach(self, session, claims: dict) -> Reach:
        who = _actor(claims)
        orders = None
        if Role.department_staff.value in who.roles:
            # half the caller's deadline, so a slow tasks still leaves time to answer
            orders = call(self.tasks, "tasks", "fieldwork_order_parties", claims, timeout=rpc_timeout() / 2)
        return load_reach(session, who, orders)

    @rpc
    def ping(self) -> str:
        return "pong"

    # -- authentication ---------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def revoke_token(self, actor: dict, jti: str, expires_at: str) -> dict:
        with self.db() as uow:
            commands.revoke_token(uow, _actor(actor), jti, datetime.fromisoformat(expires_at))
            uow.commit()
        return {"revoked": jti}

    @rpc
    def revoked_tokens(self) -> list[dict]:
        """Tokens signed out and not yet expired: the gateway loads these when it starts."""
        with self.db() as uow:
            return commands.active_revocations(uow.session)

    # -- org tree ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def tree(self, actor: dict, query: dict | None = None) -> list[dict]:
        q = load(schema(contracts.TreeQuery), query)
        with self.db() as uow:
            return schema(contracts.TreeNode, many=True).dump(
                queries.tree(uow.session, _actor(actor), q["root_id"], q["depth"])
            )

    @rpc(expected_exceptions=expected)
    def org_unit(self, actor: dict, unit_id: int) -> dict:
        with self.db() as uow:
            unit = uow.session.get(OrgUnit, unit_id)
            who = _actor(actor)
            if unit is None or not (who.covers(unit.path) or who.sees_ancestor_of(unit.path)):
                raise not_found("组织", "org unit")
            return schema(contracts.OrgUnit).dump(queries.org_unit_dict(unit))

    @rpc(expected_exceptions=expected)
    def create_org_unit(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.OrgUnitCreate), payload)
        with self.db() as uow:
            unit = commands.create_org_unit(uow, _actor(actor), data)
            uow.commit()
            return schema(contracts.OrgUnit).dump(queries.org_unit_dict(unit))

    # -- people -----------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def people(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.PeopleQuery), query)
        with self.db() as uow:
            reach = self._reach(uow.session, actor)
            rows, total = queries.people(
                uow.session, reach, q["org_unit_id"], q["role"], q["q"], q["page"], q["per_page"]
            )
            return schema(contracts.PersonPage).dump(
                page_of([queries.person_for(p, reach) for p in rows], total, q)
            )

    @rpc(expected_exceptions=expected)
    def person(self, actor: dict, person_id: int) -> dict:
        with self.db() as uow:
            reach = self._reach(uow.session, actor)
            person = queries.person(uow.session, reach, person_id)
            if person is None:
                raise not_found("人员", "person")
            return schema(contracts.Person).dump(queries.person_for(person, reach))

    @rpc(expected_exceptions=expected)
    def create_person(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.PersonCreate), payload)
        who = _actor(actor)
        with self.db() as uow:
            person = commands.create_person(uow, who, data)
            uow.commit()
            return schema(contracts.Person).dump(
                queries.person_dict(person, who.sees_pii, may(who, "account.grant"))
            )

    # -- households -------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def households(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.HouseholdsQuery), query)
        with self.db() as uow:
            items, total = queries.households(
                uow.session,
                self._reach(uow.session, actor),
                q["grid_id"],
                q["org_unit_id"],
                q["page"],
                q["per_page"],
            )
            return schema(contracts.HouseholdPage).dump(page_of(items, total, q))

    @rpc(expected_exceptions=expected)
    def household(self, actor: dict, household_id: int) -> dict:
        with self.db() as uow:
            found = queries.household(uow.session, self._reach(uow.session, actor), household_id)
            if found is None:
                raise not_found("户", "household")
            return schema(contracts.Household).dump(found)

    @rpc(expected_exceptions=expected)
    def create_household(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.HouseholdCreate), payload)
        who = _actor(actor)
        with self.db() as uow:
            household = commands.create_household(uow, who, data)
            uow.commit()
            return schema(contracts.Household).dump(queries.household_dict(household, [], who.sees_pii))

    # -- links and departments --------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def links(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.LinksQuery), query)
        with self.db() as uow:
            rows, total = queries.links(
                uow.session,
                self._reach(uow.session, actor),
                q["kind"],
                q["source_id"],
                q["target_id"],
                q["page"],
                q["per_page"],
            )
            return schema(contracts.LinkPage).dump(
                page_of([queries.link_dict(link) for link in rows], total, q)
            )

    @rpc(expected_exceptions=expected)
    def create_link(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.LinkCreate), payload)
        with self.db() as uow:
            link = commands.create_link(uow, _actor(actor), data)
            uow.commit()
            return schema(contracts.Link).dump(queries.link_dict(link))

    @rpc(expected_exceptions=expected)
    def end_link(self, actor: dict, link_id: int) -> dict:
        with self.db() as uow:
            link = commands.end_link(uow, _actor(actor), link_id)
            uow.commit()
            return schema(contracts.Link).dump(queries.link_dict(link))

    @rpc(expected_exceptions=expected)
    def departments(self, actor: dict) -> list[dict]:
        with self.db() as uow:
            return schema(contracts.Department, many=True).dump(
                queries.departments(uow.session, _actor(actor))
            )

    @rpc
    def department_names(self) -> dict:
        """{department_id: name} of every department: for naming the agency of a public
        request (a look-up between services, not an answer to a person)."""
        with self.db() as uow:
            return queries.department_names(uow.session)

    @rpc
    def departments_exist(self, department_ids: list[int]) -> list[int]:
        """Which of these ids are departments at all: a department out of the caller's
        reach is refused as out of scope, a made-up id as not there."""
        with self.db() as uow:
            return queries.existing_departments(uow.session, [int(d) for d in department_ids])

    # -- bulk import ------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def import_file(self, actor: dict, kind: str, filename: str, content_b64: str) -> dict:
        load(schema(contracts.ImportRequest), {"kind": kind})
        who = _actor(actor)
        if not may(who, "import"):
            raise DomainError("forbidden")
        with self.db() as uow:
            try:
                report = importing.run_import(
                    uow, kind, filename, base64.b64decode(content_b64), scope=who.scope_paths
                )
            except importing.ImportUnreadable as exc:
                raise refused("import_unreadable", exc.detail, exc.detail_en) from exc
            except importing.ImportInvalid as exc:
                raise DomainError("import_invalid", {"count": len(exc.errors)}, {"rows": exc.errors}) from exc
            # Every change an import makes is evented with its place: all must lie in the importer's scope.
            if any(not who.covers(event.org_path) for event in uow.events):
                raise DomainError("out_of_scope")
            commands.audit(
                uow, who, "import", f"imports/{kind}", min(who.scope_paths, default=""), report.__dict__
            )
            credentials.reassigned(uow, who)  # new roles or place end the person's sessions
            uow.commit()
            return schema(contracts.ImportReport).dump(report)

    @rpc(expected_exceptions=expected)
    def import_template(self, kind: str) -> str:
        load(schema(contracts.ImportRequest), {"kind": kind})
        return base64.b64encode(importing.template_xlsx(kind)).decode("ascii")

    # -- look-ups for other services (no actor: the bus is trusted) ------------------

    @rpc(expected_exceptions=expected)
    def subtree(self, org_unit_id: int) -> list[dict]:
        with self.db() as uow:
            unit = uow.session.get(OrgUnit, org_unit_id)
            if unit is None:
                raise not_found("组织", "org unit")
            return [queries.org_unit_dict(u) for u in queries.units_under(uow.session, unit.path)]

    @rpc
    def org_units(self, ids: list[int]) -> list[dict]:
        with self.db() as uow:
            return [queries.org_unit_dict(u) for u in queries.units_by_id(uow.session, ids)]

    @rpc
    def person_names(self, ids: list[int]) -> dict:
        """{id: name} of these people, for messages that name them (look-up between services)."""
        with self.db() as uow:
            return {str(pid): name for pid, name in queries.names_by_id(uow.session, ids)}

    @rpc(expected_exceptions=expected)
    def person_placement(self, actor: dict, person_id: int) -> dict | None:
        """A person's roles and place, for a service about to hand them work on the caller's
        behalf (tasks: a secretary assigns to one of the village's people). Only a person the
        caller may read, else None, so the answer never widens what the caller sees."""
        with self.db() as uow:
            reach = self._reach(uow.session, actor)
            found = queries.person_placement(uow.session, reach, int(person_id))
            return schema(contracts.PersonPlacement).dump(found) if found else None

    @rpc
    def requester_contact(
        self, person_id: int | None, household_id: int | None, org_path: str | None = None
    ) -> dict:
        """Name, full phone, household and place of whoever raised a matter (`org_path`: the
        matter's place, named when nothing else is known). A look-up on the trusted bus: tasks
        answers it only to the matter's department and its handlers (fieldwork
        `reaches_requester`)."""
        with self.db() as uow:
            return schema(contracts.RequesterContact).dump(
                queries.requester_contact(uow.session, person_id, household_id, org_path)
            )

    @rpc(expected_exceptions=expected)
    def responsible_for_grid(self, grid_id: int) -> dict:
        with self.db() as uow:
            grid = uow.session.get(OrgUnit, grid_id)
            if grid is None or grid.level != Level.grid.value:
                raise not_found("网格", "grid")
            return queries.responsible_for_grid(uow.session, grid)

    @rpc(expected_exceptions=expected)
    def responsible_for_household(self, household_id: int) -> dict:
        with self.db() as uow:
            household = uow.session.get(Household, household_id)
            if household is None:
                raise not_found("户", "household")
            grid = uow.session.get(OrgUnit, household.grid_id)
            members = queries.linked_sources(uow.session, LinkKind.member_household, [household.id])
            return {"household_id": household.id, "members": members} | queries.responsible_for_grid(
                uow.session, grid
            )

    @rpc(expected_exceptions=expected)
    def links_snapshot(self, kind: str, after_id: int = 0, limit: int = 5000) -> list[dict]:
        """Page through active links of a kind with their places: `after_id` = last id seen."""
        if kind not in contracts.LINK_KINDS:
            raise DomainError("validation_failed", fields={"kind": ["未知的联系类型"]})
        with self.db() as uow:
            return queries.links_snapshot(uow.session, LinkKind(kind), int(after_id), min(int(limit), 20000))

    @rpc
    def team_members(self, team_ids: list[int]) -> dict:
        """{team_id: [person ids of its team cadres]} for the given teams."""
        with self.db() as uow:
            return queries.team_members(uow.session, [int(t) for t in team_ids])

    @rpc(expected_exceptions=expected)
    def role_holders(self, role: str, unit_ids: list[int]) -> dict:
        """{unit_id: [person ids holding `role` at exactly that unit]}."""
        if role not in contracts.ROLES:
            raise DomainError("validation_failed", fields={"role": ["未知的角色"]})
        with self.db() as uow:
            return queries.role_holders(uow.session, Role(role), [int(u) for u in unit_ids])

    @rpc
    def department_staff(self, department_ids: list[int]) -> dict:
        """{department_id: [person ids of its staff]}: everyone told of an order sent to it."""
        with self.db() as uow:
            return queries.department_staff(uow.session, [int(d) for d in department_ids])

    @rpc
    def village_secretaries(self, village_ids: list[int]) -> dict:
        """{village_id: [person ids of its village secretaries]}."""
        with self.db() as uow:
            return queries.role_holders(uow.session, Role.village_secretary, [int(v) for v in village_ids])

    @rpc(expected_exceptions=expected)
    def person_links(self, person_id: int) -> dict:
        with self.db() as uow:
            person = uow.session.get(Person, person_id)
            if person is None:
                raise not_found("人员", "person")
            return {
                "person": queries.person_dict(person, sees_pii=False),
                "households": queries.linked_targets(uow.session, LinkKind.member_household, [person.id]),
                "grids": queries.linked_targets(uow.session, LinkKind.cadre_grid, [person.id]),
                "villages": queries.linked_targets(uow.session, LinkKind.team_village, [person.team_id])
                if person.team_id
                else [],
            }
