"""RPC entrypoints for the article figures: translate, look the place up, read, dump."""

from __future__ import annotations

import base64

from nameko.rpc import rpc

from common.contracts import figures as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from common.events import utcnow
from common.remote import call
from common.scope import Actor
from common.xlsx import write_workbook
from services.tasks.figures import domain, queries
from services.tasks.taskflow import domain as tf_domain

expected = (DomainError,)


class FiguresEntrypoints:
    def _figures_place(self, who: Actor, org_unit_id: int | None) -> tuple[str, str]:
        """(path, name) of the place asked for: the actor's own when they have one place."""
        if org_unit_id is None:
            if len(who.scope) != 1:
                raise DomainError("validation_failed", fields={"org_unit_id": ["请选择要统计的组织"]})
            org_unit_id = int(who.scope[0].strip("/").split("/")[-1])
        units = call(self.grids, "grids", "org_units", [org_unit_id])
        if not units:
            raise DomainError("not_found", {"what": "组织", "what_en": "org unit"})
        who.require_scope(units[0]["path"])
        return units[0]["path"], units[0]["name"]

    @rpc(expected_exceptions=expected)
    def seed_figures(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.FiguresQuery), query)
        who = Actor.from_dict(actor)
        who.require(*domain.ROLES)
        end = q["end"] or tf_domain.local_month(utcnow())
        start = q["start"] or f"{end[:4]}-01"
        if start > end:
            raise DomainError("validation_failed", fields={"start": ["起始月份不能晚于结束月份"]})
        path, name = self._figures_place(who, q["org_unit_id"])  # before the unit of work
        with self.db() as uow:
            figures = queries.seed_figures(uow.session, who, path, start, end)
        return schema(contracts.Figures).dump({**figures, "place_name": name})

    @rpc(expected_exceptions=expected)
    def seed_figures_report(self, actor: dict, query: dict | None = None) -> dict:
        """The same figures as an .xlsx a county office can take to a meeting."""
        figures = self.seed_figures(actor, query)
        title = f"{figures['place_name']} {figures['start']}至{figures['end']} 基层治理数据"
        header = [
            "指标",
            f"本期({figures['start']}至{figures['end']})",
            f"上期({figures['before_start']}至{figures['before_end']})",
            "变化",
        ]
        content = write_workbook(title[:31], header, domain.report_rows(figures))
        return {"content_b64": base64.b64encode(content).decode(), "title": title}
