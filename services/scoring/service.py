"""scoring service: consumes the task and field-work events, keeps indicator facts and
totals, and answers for scores, boards and grid colours. Entrypoints only translate."""

from __future__ import annotations

import logging

from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy, rpc

from common import process
from common.consumer import on_event
from common.contracts import scoring as contracts
from common.contracts.base import load, schema
from common.db import Database
from common.errors import DomainError, not_found
from common.remote import call
from common.scope import Actor
from services.scoring import projection, queries, recompute, replicas
from services.scoring.config import load_config
from services.scoring.domain import path_ids
from services.scoring.models import Base, OutboxMessage, ProcessedEvent, TeamMember, VillageSecretary

process.start()  # this process is a service: set it up (common/process.py)

log = logging.getLogger(__name__)
expected = (DomainError,)


class Formulas(DependencyProvider):
    """The formula configuration, loaded (and refused if invalid) when the container starts."""

    def setup(self) -> None:
        self.config = load_config(self.container.config.get("SCORING_CONFIG"))

    def get_dependency(self, worker_ctx):
        return self.config


def _board_target(board: str, kind: str | None) -> tuple[str, str, str]:
    index, default_kind, label = queries.BOARDS[board]
    kind = kind or default_kind
    if kind not in queries.KINDS_OF[index]:
        raise DomainError("validation_failed", fields={"kind": [f"{label}不支持该对象类型"]})
    return index, kind, label


class ScoringService:
    name = "scoring"

    db = Database(Base, OutboxMessage, ProcessedEvent)
    formulas = Formulas()
    grids = RpcProxy("grids")

    @rpc
    def ping(self) -> str:
        return "pong"

    # -- consumed events ---------------------------------------------------------------

    def _apply(self, event: dict, handler: str) -> None:
        with self.db() as uow:
            if not projection.claim_event(uow, event["id"], f"scoring.{handler}"):
                return
            projection.apply_event(uow, self.formulas, event)
            uow.commit()

    @on_event("tasks", "visit_list.issued")
    def on_visit_list_issued(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_visit_list_issued")

    @on_event("tasks", "visit.recorded")
    def on_visit_recorded(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_visit_recorded")

    @on_event("tasks", "visit.rated")
    def on_visit_rated(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_visit_rated")

    @on_event("tasks", "matter.reported")
    def on_matter_reported(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_matter_reported")

    @on_event("tasks", "matter.escalated")
    def on_matter_escalated(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_matter_escalated")

    @on_event("tasks", "matter.dispatched")
    def on_matter_dispatched(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_matter_dispatched")

    @on_event("tasks", "matter.resolved")
    def on_matter_resolved(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_matter_resolved")

    @on_event("tasks", "matter.rated")
    def on_matter_rated(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_matter_rated")

    @on_event("tasks", "task.dispatched")
    def on_task_dispatched(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_task_dispatched")

    @on_event("tasks", "assignment.accepted")
    def on_assignment_accepted(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_assignment_accepted")

    @on_event("tasks", "assignment.overdue")
    def on_assignment_overdue(self, event: dict) -> None:
        """Facts, totals and rescoring (`projection.apply_event`)."""
        self._apply(event, "on_assignment_overdue")

    @on_event("grids", "link.created")
    def on_link_created(self, event: dict) -> None:
        """A cadre↔grid or team↔village link into `link_replica` (`replicas.apply_link`)."""
        self._link(event, "on_link_created", True)

    @on_event("grids", "link.ended")
    def on_link_ended(self, event: dict) -> None:
        """A cadre↔grid or team↔village link ended in `link_replica` (`replicas.apply_link`)."""
        self._link(event, "on_link_ended", False)

    def _link(self, event: dict, handler: str, active: bool) -> None:
        with self.db() as uow:
            if not uow.first_delivery(event["id"], f"scoring.{handler}"):
                return
            replicas.apply_link(uow.session, event, active)
            uow.commit()

    # -- reads -------------------------------------------------------------------------

    def _unit_prefix(self, who: Actor, org_unit_id: int | None) -> str | None:
        if org_unit_id is None:
            return None
        units = call(self.grids, "grids", "org_units", [org_unit_id])
        if not units:
            raise not_found("组织", "org unit")
        path = units[0]["path"]
        if not who.covers(path) and not any(p.startswith(path) for p in who.scope):
            raise DomainError("out_of_scope")
        return path

    @rpc(expected_exceptions=expected)
    def score(
        self, actor: dict, index: str, entity_kind: str, entity_id: int, query: dict | None = None
    ) -> dict:
        q = load(schema(contracts.ScoreQuery), query)
        if index not in queries.KINDS_OF or entity_kind not in queries.KINDS_OF[index]:
            raise not_found("评分", "score")
        with self.db() as uow:
            detail = queries.score_detail(
                uow.session,
                self.formulas,
                Actor.from_dict(actor),
                index,
                entity_kind,
                int(entity_id),
                q["period"],
                q["page"],
                q["per_page"],
            )
        if detail is None:
            raise not_found("评分", "score")
        return schema(contracts.ScoreDetail).dump(detail)

    @rpc(expected_exceptions=expected)
    def board(self, actor: dict, board: str, query: dict | None = None) -> dict:
        q = load(schema(contracts.BoardQuery), query)
        if board not in queries.BOARDS:
            raise not_found("榜单", "board")
        index, kind, label = _board_target(board, q["kind"])
        who = Actor.from_dict(actor)
        prefix = self._unit_prefix(who, q["org_unit_id"])
        with self.db() as uow:
            result = queries.board(
                uow.session, self.formulas, who, index, kind, q["period"], prefix, q["page"], q["per_page"]
            )
        return schema(contracts.Board).dump({**result, "board": board, "board_label": label})

    @rpc(expected_exceptions=expected)
    def grid_colours(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.ColoursQuery), query)
        who = Actor.from_dict(actor)
        prefix = self._unit_prefix(who, q["org_unit_id"])
        grids = self._grids_under([prefix] if prefix else who.scope)  # before the unit of work
        with self.db() as uow:
            return schema(contracts.GridColours).dump(
                queries.grid_colours(uow.session, self.formulas, who, q["period"], prefix, grids)
            )

    def _grids_under(self, paths: list[str]) -> list[dict]:
        """Every grid under these places, from grids: a grid without a score is still shown."""
        found: dict[int, dict] = {}
        for path in paths:
            root = path_ids(path)[-1]
            for unit in call(self.grids, "grids", "subtree", root, timeout=10):
                if unit["level"] == "grid":
                    found[unit["id"]] = unit
        return list(found.values())

    # -- commands ----------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def recompute(self, actor: dict, payload: dict) -> dict:
        """Rebuild a month from its facts (county admins); first refresh the link replica."""
        Actor.from_dict(actor).require("county_admin")
        data = load(schema(contracts.RecomputeRequest), payload)
        links = self._sync_links() if data["sync_links"] else {}
        with self.db() as uow:
            result = recompute.recompute(uow, self.formulas, data["period"])
            uow.commit()
        return schema(contracts.RecomputeResult).dump({**result, "links": links})

    def _sync_links(self) -> dict:
        """Refresh the link replica and, with it, the team cadres of every linked team and the
        secretaries of every known village: one batched look-up each, not one per event."""
        counts = {}
        for kind in replicas.REPLICATED:
            rows, after = [], 0
            while True:
                page = call(self.grids, "grids", "links_snapshot", kind, after, 5000, timeout=30)
                rows.extend(page)
                if len(page) < 5000:
                    break
                after = page[-1]["id"]
            with self.db() as uow:
                counts[kind] = replicas.replace_links(uow.session, kind, rows)
                uow.commit()
        with self.db() as uow:
            teams, villages = replicas.team_ids(uow.session), replicas.village_ids(uow.session)
        members = call(self.grids, "grids", "team_members", teams, timeout=30) if teams else {}
        secretaries = (
            call(self.grids, "grids", "village_secretaries", villages, timeout=30) if villages else {}
        )
        with self.db() as uow:
            counts["team_members"] = replicas.replace_people(uow.session, TeamMember, "team_id", members)
            counts["village_secretaries"] = replicas.replace_people(
                uow.session, VillageSecretary, "village_id", secretaries
            )
            uow.commit()
        return counts
