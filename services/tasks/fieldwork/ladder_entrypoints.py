"""nameko entrypoints for matters on the escalation ladder: report, read, escalate,
dispatch, take, resolve, rate, and the deadline sweep that climbs overdue ones."""

from __future__ import annotations

from nameko.rpc import rpc
from nameko.timer import timer

from common.contracts import fieldwork as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from common.events import utcnow
from common.paging import page_of
from common.remote import call
from common.scope import Actor
from services.tasks.fieldwork import commands, domain, orders, queries
from services.tasks.fieldwork.entrypoint_support import (
    FieldworkSupport,
    _admin,
    expected,
)
from services.tasks.fieldwork.models import Matter


class LadderEntrypoints(FieldworkSupport):
    # -- matters on the ladder ----------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def matter_create(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MatterCreate), payload)
        who = Actor.from_dict(actor)
        contact = self._contacts([data["grid_id"]])[data["grid_id"]]
        with self.db() as uow:
            m = commands.create_matter(uow, who, data, contact, utcnow())
            uow.commit()
            return schema(contracts.Matter).dump(queries.matter(uow.session, who, m.id))

    @rpc(expected_exceptions=expected)
    def matter_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.MattersQuery), query)
        with self.db() as uow:
            items, total = queries.matters(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.MatterPage).dump(page_of(items, total, q))

    @rpc(expected_exceptions=expected)
    def matter_get(self, actor: dict, matter_id: int) -> dict:
        with self.db() as uow:
            return schema(contracts.Matter).dump(
                queries.matter(uow.session, Actor.from_dict(actor), matter_id)
            )

    @rpc(expected_exceptions=expected)
    def matter_requester(self, actor: dict, matter_id: int) -> dict:
        """The requester's name and full phone, for the department that took the order and the
        handlers at the matter's level (domain.reaches_requester); the gateway audits the read."""
        who = Actor.from_dict(actor)
        with self.db() as uow:
            m = queries.requester_of(uow.session, who, matter_id)
            source = (m.id, m.reporter_id, m.household_id, m.reporter_phone)
            org_path = m.org_path
        contact = call(self.grids, "grids", "requester_contact", source[1], source[2], org_path)
        return schema(contracts.Requester).dump(domain.requester_card(*source, contact))

    @rpc
    def fieldwork_order_parties(self, actor: dict) -> dict:
        """For grids: the people and households of the orders the actor's department holds or
        took (the only people department staff may read). A look-up on the trusted bus."""
        with self.db() as uow:
            return orders.order_parties(uow.session, Actor.from_dict(actor))

    def _ladder(self, actor: dict, matter_id: int, run) -> dict:
        """A step on a matter the actor can see (404 otherwise, never a hint that it exists)."""
        who = Actor.from_dict(actor)
        with self.db() as uow:
            if not queries.can_see_matter(uow.session, who, matter_id):
                raise DomainError("not_found", {"what": "事项", "what_en": "matter"})
            run(uow, who)
            uow.commit()
            return schema(contracts.Matter).dump(queries.matter(uow.session, who, matter_id))

    @rpc(expected_exceptions=expected)
    def matter_escalate(self, actor: dict, matter_id: int, payload: dict | None = None) -> dict:
        data = load(schema(contracts.MatterStep), payload)

        with self.db() as uow:  # who answers at the next level, asked before the step's unit of work
            matter = uow.session.get(Matter, matter_id)
            grid_id = matter.grid_id if matter is not None else None
        contact = self._contacts([grid_id]).get(grid_id)

        def run(uow, who):
            commands.escalate(uow, who, matter_id, data["note"], contact, utcnow())

        return self._ladder(actor, matter_id, run)

    @rpc(expected_exceptions=expected)
    def matter_dispatch(self, actor: dict, matter_id: int, payload: dict) -> dict:
        data = load(schema(contracts.MatterDispatch), payload)
        departments = {d["id"]: d for d in call(self.grids, "grids", "departments", actor)}
        if data["department_id"] not in departments:
            if call(self.grids, "grids", "departments_exist", [data["department_id"]]):
                raise DomainError("out_of_scope")  # another township's 指挥室
            raise DomainError("validation_failed", fields={"department_id": ["没有这个部门"]})
        department = departments[data["department_id"]]
        return self._ladder(
            actor,
            matter_id,
            lambda uow, who: commands.dispatch(uow, who, matter_id, department, data["note"], utcnow()),
        )

    @rpc(expected_exceptions=expected)
    def matter_take(self, actor: dict, matter_id: int, payload: dict | None = None) -> dict:
        data = load(schema(contracts.MatterStep), payload)
        return self._ladder(
            actor, matter_id, lambda uow, who: commands.take(uow, who, matter_id, data["note"], utcnow())
        )

    @rpc(expected_exceptions=expected)
    def matter_resolve(self, actor: dict, matter_id: int, payload: dict | None = None) -> dict:
        data = load(schema(contracts.MatterStep), payload)
        return self._ladder(
            actor, matter_id, lambda uow, who: commands.resolve(uow, who, matter_id, data["note"], utcnow())
        )

    @rpc(expected_exceptions=expected)
    def matter_rate(self, actor: dict, matter_id: int, payload: dict) -> dict:
        data = load(schema(contracts.MatterRate), payload)
        return self._ladder(
            actor,
            matter_id,
            lambda uow, who: commands.rate_matter(
                uow, who, matter_id, data["rating"], data["comment"], utcnow()
            ),
        )

    @rpc(expected_exceptions=expected)
    def matter_check_deadlines(self, now_iso: str | None = None, actor: dict | None = None) -> dict:
        """Escalate what is past its deadline as of `now_iso` (default: now)."""
        _admin(actor)
        now = load(schema(contracts.DeadlineCheck), {"now": now_iso})["now"] or utcnow()
        with self.db() as uow:  # candidates and their contacts first, with no row locked
            grids = commands.overdue_grids(uow.session, now)
        contacts = self._contacts(grids)
        with self.db() as uow:  # then lock, and climb with the contacts already at hand
            # a matter that went overdue in between waits for the next sweep (a minute)
            matters = [
                m for m in commands.overdue(uow.session, now) if m.grid_id in contacts or m.grid_id is None
            ]
            report = commands.escalate_overdue(uow, matters, contacts, now)
            uow.commit()
        return schema(contracts.DeadlineReport).dump(report)

    @timer(interval=60)
    def matter_deadline_tick(self) -> None:
        """Escalates matters past their level's deadline and raises `matter_overdue` alerts."""
        self.matter_check_deadlines()
