"""nameko entrypoints of the taskflow capability (mixed into TasksService, which gives
`self.db` and `self.grids`). Each one validates with the contract, runs one use case in
one unit of work, commits inside, and dumps the answer with the contract."""

from __future__ import annotations

import base64
import logging
from functools import partial

from nameko.rpc import rpc
from nameko.timer import timer

from common.contracts import catalogue as catalogue_contracts
from common.contracts import tasks as contracts
from common.contracts.base import load, schema
from common.contracts.screening import SuggestAnswer
from common.errors import DomainError, not_found
from common.events import utcnow
from common.paging import page_of
from common.remote import call
from common.scope import Actor
from services.tasks.taskflow import commands, content_check, domain, negative_rules, queries
from services.tasks.taskflow.models import Assignment, Task
from services.tasks.taskflow.screening import THRESHOLD

log = logging.getLogger(__name__)
expected = (DomainError,)


class _GridsOrg:
    """The `Org` look-ups over the bus, each call with a deadline. `actor` (the caller's
    claims) goes along to the look-ups grids answers only within what the caller may read."""

    def __init__(self, proxy, actor: dict | None = None):
        self.proxy = proxy
        self.actor = actor

    def units(self, ids: list[int]) -> list[dict]:
        return call(self.proxy, "grids", "org_units", ids)

    def subtree(self, unit_id: int) -> list[dict]:
        return call(self.proxy, "grids", "subtree", unit_id)

    def responsible_for_grid(self, grid_id: int) -> dict:
        return call(self.proxy, "grids", "responsible_for_grid", grid_id)

    def person(self, person_id: int) -> dict | None:
        return call(self.proxy, "grids", "person_placement", self.actor, person_id)


def _actor(claims: dict) -> Actor:
    return Actor.from_dict(claims)


class TaskflowEntrypoints:
    # checks before an assignment is accepted, given by the service that composes this one
    accept_guards: tuple = ()

    # -- catalogue ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def catalogue_seed_default(self, actor: dict | None = None) -> dict:
        """Idempotent; from demo seeding (no actor) or a county admin through the gateway."""
        if actor is not None:
            _actor(actor).require("county_admin")
        with self.db() as uow:
            report = commands.seed_default(uow, utcnow())
            report["negative_rules"] = negative_rules.seed_default(uow, utcnow())
            uow.commit()
            return schema(catalogue_contracts.CatalogueReport).dump(report)

    @rpc(expected_exceptions=expected)
    def catalogue_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(catalogue_contracts.CatalogueQuery), query)
        _actor(actor)
        with self.db() as uow:
            rows, total = queries.catalogue(uow.session, q)
            return schema(catalogue_contracts.CatalogueMatterPage).dump(
                page_of([queries.matter_dict(m) for m in rows], total, q)
            )

    @rpc(expected_exceptions=expected)
    def catalogue_get(self, actor: dict, code: str) -> dict:
        _actor(actor)
        with self.db() as uow:
            versions = queries.matter_versions(uow.session, code)
            if not versions:
                raise not_found("事项", "matter")
            current = next(m for m in versions if m.current)
            return schema(catalogue_contracts.CatalogueMatterDetail).dump(
                queries.matter_dict(current) | {"versions": [queries.matter_dict(m) for m in versions]}
            )

    @rpc(expected_exceptions=expected)
    def catalogue_create(self, actor: dict, payload: dict) -> dict:
        data = load(schema(catalogue_contracts.CatalogueMatterCreate), payload)
        with self.db() as uow:
            matter = commands.create_matter(uow, _actor(actor), data, utcnow())
            uow.commit()
            return schema(catalogue_contracts.CatalogueMatter).dump(queries.matter_dict(matter))

    @rpc(expected_exceptions=expected)
    def catalogue_update(self, actor: dict, code: str, payload: dict) -> dict:
        data = load(schema(catalogue_contracts.CatalogueMatterUpdate), payload)
        with self.db() as uow:
            matter = commands.update_matter(uow, _actor(actor), code, data, utcnow())
            uow.commit()
            return schema(catalogue_contracts.CatalogueMatter).dump(queries.matter_dict(matter))

    @rpc(expected_exceptions=expected)
    def catalogue_retire(self, actor: dict, code: str) -> dict:
        with self.db() as uow:
            matter = commands.retire_matter(uow, _actor(actor), code, utcnow())
            uow.commit()
            return schema(catalogue_contracts.CatalogueMatter).dump(queries.matter_dict(matter))

    @rpc(expected_exceptions=expected)
    def catalogue_import(self, actor: dict, content_b64: str) -> dict:
        who = _actor(actor)
        who.require("county_admin")
        rows, errors = queries.parse_catalogue_xlsx(base64.b64decode(content_b64))
        if errors:
            raise DomainError("import_invalid", {"count": len(errors)}, {"rows": errors})
        with self.db() as uow:
            report = commands.apply_catalogue(uow, who, rows, utcnow())
            uow.commit()
            return schema(catalogue_contracts.CatalogueReport).dump(report)

    @rpc(expected_exceptions=expected)
    def catalogue_export(self, actor: dict) -> str:
        _actor(actor)
        with self.db() as uow:
            return base64.b64encode(queries.catalogue_xlsx(uow.session)).decode("ascii")

    @rpc(expected_exceptions=expected)
    def catalogue_suggest(self, actor: dict, payload: dict) -> dict:
        data = load(schema(catalogue_contracts.SuggestRequest), payload)
        _actor(actor)
        with self.db() as uow:
            found = content_check.suggester(uow.session).suggest(data["text"])
            answer = {"items": [s.__dict__ for s in found], "threshold": THRESHOLD}
            return schema(SuggestAnswer).dump(answer | content_check.no_match_answer(found))

    # -- tasks: screening and review ---------------------------------------------------

    def _task_out(self, session, task: Task) -> dict:
        return schema(contracts.Task).dump(queries.task_dicts(session, [task])[0])

    @rpc(expected_exceptions=expected)
    def task_submit(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.TaskCreate), payload)
        with self.db() as uow:
            task = commands.submit_task(uow, _actor(actor), data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.TasksQuery), query)
        with self.db() as uow:
            return schema(contracts.TaskPage).dump(queries.tasks(uow.session, _actor(actor), q))

    @rpc(expected_exceptions=expected)
    def task_get(self, actor: dict, task_id: int) -> dict:
        with self.db() as uow:
            task = uow.session.get(Task, task_id)
            if task is None or not queries.may_see_task(_actor(actor), task):
                raise not_found("任务", "task")
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_code(self, actor: dict, task_id: int, payload: dict) -> dict:
        data = load(schema(contracts.TaskCode), payload)
        with self.db() as uow:
            task = commands.code_task(uow, _actor(actor), task_id, data["matter_code"], utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_approve(self, actor: dict, task_id: int) -> dict:
        with self.db() as uow:
            task = commands.approve_task(uow, _actor(actor), task_id, utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_return(self, actor: dict, task_id: int, payload: dict) -> dict:
        data = load(schema(contracts.ReasonBody), payload)
        with self.db() as uow:
            task = commands.return_task(uow, _actor(actor), task_id, data["reason"], utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_withdraw(self, actor: dict, task_id: int, payload: dict | None = None) -> dict:
        data = load(schema(contracts.WithdrawBody), payload)
        with self.db() as uow:
            task = commands.withdraw_task(uow, _actor(actor), task_id, data["reason"], utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_edit(self, actor: dict, task_id: int, payload: dict) -> dict:
        data = load(schema(contracts.TaskEdit), payload)
        with self.db() as uow:
            task = commands.edit_task(uow, _actor(actor), task_id, data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return self._task_out(uow.session, task)

    @rpc(expected_exceptions=expected)
    def task_record_decision(self, actor: dict, task_id: int, payload: dict) -> dict:
        data = load(schema(contracts.DecisionCreate), payload)
        with self.db() as uow:
            commands.record_decision(uow, _actor(actor), task_id, data, utcnow())
            uow.commit()
            return self._task_out(uow.session, uow.session.get(Task, task_id))

    @rpc(expected_exceptions=expected)
    def task_dispatch(self, actor: dict, task_id: int, payload: dict | None = None) -> dict:
        data = load(schema(contracts.DispatchRequest), payload)
        with self.db() as uow:
            task, _ = commands.dispatch_task(
                uow, _actor(actor), task_id, data, _GridsOrg(self.grids), utcnow()
            )
            uow.commit()
            return self._task_out(uow.session, task)

    # -- deadlines ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def task_check_deadlines(self, now_iso: str | None = None, actor: dict | None = None) -> dict:
        if actor is not None:
            _actor(actor).require("county_admin")
        data = load(schema(contracts.TaskCheckDeadlines), {"now": now_iso})
        with self.db() as uow:
            report = commands.check_deadlines(uow, commands.utc(data["now"]))
            uow.commit()
            return schema(contracts.TaskDeadlineReport).dump(report)

    @timer(interval=600)
    def task_deadline_timer(self) -> None:
        """`assignment.due_soon` / `assignment.overdue`, once each."""
        # Replicas may run this at the same moment: check_deadlines claims rows with a
        # conditional UPDATE, so each reminder and overdue event goes out once.
        try:
            self.task_check_deadlines(None)
        except Exception:  # noqa: BLE001 - a failed pass is retried by the next tick
            log.exception("taskflow deadline check failed")

    # -- assignments -------------------------------------------------------------------

    def _assignment_out(self, session, a: Assignment) -> dict:
        today = domain.local_date(utcnow())
        return schema(contracts.Assignment).dump(queries.assignment_dicts(session, [a], today)[0])

    @rpc(expected_exceptions=expected)
    def assignment_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.AssignmentsQuery), query)
        who = _actor(actor)
        who.require(*domain.READER_ROLES)
        with self.db() as uow:
            today = domain.local_date(utcnow())
            return schema(contracts.AssignmentPage).dump(queries.assignments(uow.session, who, q, today))

    @rpc(expected_exceptions=expected)
    def assignment_progress(self, actor: dict, query: dict | None = None) -> list[dict]:
        q = load(schema(contracts.ProgressQuery), query)
        who = _actor(actor)
        who.require(*domain.READER_ROLES)
        with self.db() as uow:
            rows = queries.progress(uow.session, who, q["task_id"], domain.local_date(utcnow()))
            return schema(contracts.VillageProgress, many=True).dump(rows)

    @rpc(expected_exceptions=expected)
    def assignment_get(self, actor: dict, assignment_id: int) -> dict:
        with self.db() as uow:
            a, _ = commands.load_assignment(uow.session, _actor(actor), assignment_id)
            return self._assignment_out(uow.session, a)

    def _act(self, fn, *args) -> dict:
        with self.db() as uow:
            a = fn(uow, *args, utcnow())
            uow.commit()
            return self._assignment_out(uow.session, a)

    @rpc(expected_exceptions=expected)
    def assignment_assign(self, actor: dict, assignment_id: int, payload: dict) -> dict:
        data = load(schema(contracts.AssignRequest), payload)
        return self._act(commands.assign, _actor(actor), assignment_id, data, _GridsOrg(self.grids, actor))

    @rpc(expected_exceptions=expected)
    def assignment_claim(self, actor: dict, assignment_id: int) -> dict:
        return self._act(commands.claim, _actor(actor), assignment_id)

    @rpc(expected_exceptions=expected)
    def assignment_start(self, actor: dict, assignment_id: int) -> dict:
        return self._act(commands.start, _actor(actor), assignment_id)

    @rpc(expected_exceptions=expected)
    def assignment_submit(self, actor: dict, assignment_id: int, payload: dict) -> dict:
        data = load(schema(contracts.SubmitRequest), payload)
        return self._act(commands.submit, _actor(actor), assignment_id, data["evidence"])

    @rpc(expected_exceptions=expected)
    def assignment_accept(self, actor: dict, assignment_id: int) -> dict:
        return self._act(partial(commands.accept, guards=self.accept_guards), _actor(actor), assignment_id)

    @rpc(expected_exceptions=expected)
    def assignment_return(self, actor: dict, assignment_id: int, payload: dict) -> dict:
        data = load(schema(contracts.ReasonBody), payload)
        return self._act(commands.return_assignment, _actor(actor), assignment_id, data["reason"])

    # -- ledger ------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def ledger_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.LedgerQuery), query)
        who = _actor(actor)
        who.require(*domain.READER_ROLES)
        with self.db() as uow:
            return schema(contracts.LedgerPage).dump(queries.ledger(uow.session, who, q))

    @rpc(expected_exceptions=expected)
    def ledger_export(self, actor: dict, query: dict) -> dict:
        q = load(schema(contracts.LedgerExportQuery), query)
        who = _actor(actor)
        who.require(*domain.READER_ROLES)
        with self.db() as uow:
            content, rows = queries.ledger_xlsx(uow.session, who, q["village_id"], q["month"])
            return {"content_b64": base64.b64encode(content).decode("ascii"), "rows": rows}

    # -- statistics --------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def taskflow_stats_summary(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.StatsQuery), query)
        with self.db() as uow:
            figures = queries.task_stats(uow.session, _actor(actor), q["start"], q["end"], utcnow())
            return schema(contracts.TaskStats).dump(figures)

    @rpc(expected_exceptions=expected)
    def taskflow_stats_rejections(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.RejectionsQuery), query)
        with self.db() as uow:
            return schema(contracts.RejectionStats).dump(
                queries.rejection_stats(uow.session, _actor(actor), q["since"])
            )

    @rpc(expected_exceptions=expected)
    def taskflow_stats_villages(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.StatsQuery), query)
        with self.db() as uow:
            figures = queries.village_stats(uow.session, _actor(actor), q["start"], q["end"], utcnow())
            return schema(contracts.VillageStats).dump(figures)
