"""nameko entrypoints of the procedures capability (mixed into TasksService, which gives
`self.db` and `self.grids`). Each validates with the contract, runs one use case in one
unit of work, commits inside, and dumps the answer with the contract."""

from __future__ import annotations

import base64

from nameko.rpc import rpc

from common import roles
from common.contracts import procedures as contracts
from common.contracts.base import load, schema
from common.errors import DomainError, not_found
from common.events import utcnow
from common.scope import Actor
from services.tasks.procedures import commands, queries
from services.tasks.procedures.models import Bid
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow.entrypoints import _GridsOrg

expected = (DomainError,)


def _actor(claims: dict) -> Actor:
    return Actor.from_dict(claims)


def _reader(claims: dict) -> Actor:
    actor = _actor(claims)
    actor.require(*tf_domain.READER_ROLES)
    return actor


class ProceduresEntrypoints:
    # -- templates ---------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def template_seed_default(self, actor: dict | None = None) -> dict:
        """Idempotent; from demo seeding (no actor) or a county admin through the gateway."""
        if actor is not None:
            _actor(actor).require("county_admin")
        with self.db() as uow:
            report = commands.seed_templates(uow, utcnow())
            uow.commit()
            return schema(contracts.TemplateReport).dump(report)

    @rpc(expected_exceptions=expected)
    def template_list(self, actor: dict) -> list[dict]:
        _reader(actor)
        with self.db() as uow:
            return schema(contracts.Template, many=True).dump(
                [queries.template_dict(t) for t in queries.templates(uow.session)]
            )

    @rpc(expected_exceptions=expected)
    def template_get(self, actor: dict, code: str) -> dict:
        _reader(actor)
        with self.db() as uow:
            versions = queries.template_versions(uow.session, code)
            if not versions:
                raise not_found("程序模板", "template")
            current = next(t for t in versions if t.current)
            return schema(contracts.TemplateDetail).dump(
                queries.template_dict(current) | {"versions": [queries.template_dict(t) for t in versions]}
            )

    @rpc(expected_exceptions=expected)
    def template_create(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.TemplateCreate), payload)
        with self.db() as uow:
            template = commands.create_template(uow, _actor(actor), data, utcnow())
            uow.commit()
            return schema(contracts.Template).dump(queries.template_dict(template))

    @rpc(expected_exceptions=expected)
    def template_update(self, actor: dict, code: str, payload: dict) -> dict:
        data = load(schema(contracts.TemplateUpdate), payload)
        with self.db() as uow:
            template = commands.update_template(uow, _actor(actor), code, data, utcnow())
            uow.commit()
            return schema(contracts.Template).dump(queries.template_dict(template))

    # -- procedures --------------------------------------------------------------------

    def _procedure_out(self, session, p) -> dict:
        return schema(contracts.Procedure).dump(queries.procedure_dict(session, p))

    @rpc(expected_exceptions=expected)
    def procedure_start(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.ProcedureStart), payload)
        with self.db() as uow:
            p = commands.start_procedure(uow, _actor(actor), data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return self._procedure_out(uow.session, p)

    @rpc(expected_exceptions=expected)
    def procedure_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.ProceduresQuery), query)
        who = _reader(actor)
        with self.db() as uow:
            return schema(contracts.ProcedurePage).dump(queries.procedures(uow.session, who, q))

    @rpc(expected_exceptions=expected)
    def procedure_get(self, actor: dict, procedure_id: int) -> dict:
        who = _reader(actor)
        with self.db() as uow:
            return self._procedure_out(uow.session, commands.get_procedure(uow.session, who, procedure_id))

    @rpc(expected_exceptions=expected)
    def procedure_complete_step(self, actor: dict, procedure_id: int, position: int, payload: dict) -> dict:
        """A failing step is recorded as returned (committed) and then reported as 422."""
        data = load(schema(contracts.StepComplete), payload)
        with self.db() as uow:
            p, failures = commands.complete_step(
                uow, _actor(actor), procedure_id, position, data["evidence"], utcnow()
            )
            uow.commit()
            if failures:
                raise DomainError(
                    "step_returned",
                    {
                        "reasons": ";".join(f"{f.label}({f.detail})" for f in failures),
                        "reasons_en": ", ".join(f.code for f in failures),
                    },
                    {"evidence": {f.code: [f"{f.label}:{f.detail}"] for f in failures}},
                )
            return self._procedure_out(uow.session, p)

    # -- the ledger chain --------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def ledger_chain_verify(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.ChainQuery), query)
        who = _actor(actor)
        who.require(*queries.CHAIN_ROLES)
        with self.db() as uow:
            return schema(contracts.ChainReport).dump(queries.verify(uow.session, who, q))

    @rpc(expected_exceptions=expected)
    def ledger_chain_export(self, actor: dict, query: dict) -> dict:
        q = load(schema(contracts.ChainExportQuery), query)
        who = _actor(actor)
        who.require(*queries.CHAIN_ROLES)
        with self.db() as uow:
            content, rows = queries.chain_xlsx(uow.session, who, q["ledger"], q["village_id"])
            return {"content_b64": base64.b64encode(content).decode("ascii"), "rows": rows}

    # -- project board -----------------------------------------------------------------

    def _project_out(self, session, who: Actor, project) -> dict:
        bids = queries.visible_bids(session, who, project, utcnow())
        return schema(contracts.ProjectDetail).dump(
            queries.project_dict(session, project) | {"bids": [queries.bid_dict(b) for b in bids]}
        )

    @rpc(expected_exceptions=expected)
    def project_post(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.ProjectCreate), payload)
        who = _actor(actor)
        with self.db() as uow:
            project = commands.post_project(uow, who, data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return self._project_out(uow.session, who, project)

    @rpc(expected_exceptions=expected)
    def project_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.ProjectsQuery), query)
        who = _reader(actor)
        with self.db() as uow:
            return schema(contracts.ProjectPage).dump(queries.projects(uow.session, who, q))

    @rpc(expected_exceptions=expected)
    def project_get(self, actor: dict, project_id: int) -> dict:
        who = _reader(actor)
        with self.db() as uow:
            return self._project_out(uow.session, who, commands.get_project(uow.session, who, project_id))

    @rpc(expected_exceptions=expected)
    def project_bid(self, actor: dict, project_id: int, payload: dict) -> dict:
        data = load(schema(contracts.BidCreate), payload)
        who = _actor(actor)
        with self.db() as uow:
            bid = commands.submit_bid(uow, who, project_id, data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return schema(contracts.Bid).dump(queries.bid_dict(uow.session.get(Bid, bid.id)))

    @rpc(expected_exceptions=expected)
    def project_award(self, actor: dict, project_id: int, payload: dict) -> dict:
        data = load(schema(contracts.AwardRequest), payload)
        who = _actor(actor)
        with self.db() as uow:
            project = commands.award_project(uow, who, project_id, data, _GridsOrg(self.grids), utcnow())
            uow.commit()
            return self._project_out(uow.session, who, project)

    # -- statistics --------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def procedures_stats_summary(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.StatsQuery), query)
        who = _actor(actor)
        who.require(*roles.PROCEDURE_FIGURE_READERS)
        with self.db() as uow:
            return schema(contracts.ProcedureStats).dump(queries.stats(uow.session, who, q))
