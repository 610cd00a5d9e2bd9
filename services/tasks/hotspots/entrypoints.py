"""nameko entrypoints of hotspot early warning (mixed into TasksService): a check for a
given week (RPC, and an hourly timer for the current week), and scoped reads."""

from __future__ import annotations

import logging

from nameko.rpc import rpc
from nameko.timer import timer

from common.contracts import open311 as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from common.events import utcnow
from common.paging import page_of
from common.remote import call
from common.scope import Actor
from services.tasks.hotspots import commands, detector, queries

log = logging.getLogger(__name__)
expected = (DomainError,)


class HotspotEntrypoints:
    hotspot_params = detector.Params()

    @rpc(expected_exceptions=expected)
    def hotspot_check(self, week: str | None = None, actor: dict | None = None) -> dict:
        """Detect and raise the hotspots of `week` (default: this week). Idempotent: a hotspot
        raised before for the same place and week (half or more of the same requests) is not
        raised again. Run by hand it is the county admin's; the timer runs it with no actor."""
        if actor is not None:
            Actor.from_dict(actor).require("county_admin")
        now = utcnow()
        week = load(schema(contracts.HotspotCheck), {"week": week})["week"] or detector.week_of(now)
        params = self.hotspot_params
        with self.db() as uow:
            items, paths = commands.load_items(uow.session, week, params)
            found = detector.detect(items, week, params)
            names = {}
            if found:
                units = call(self.grids, "grids", "org_units", sorted({h.place_id for h in found}))
                names = {u["id"]: u["name"] for u in units}
            raised = commands.raise_hotspots(uow, found, paths, names, params, now)
            uow.commit()
        return schema(contracts.HotspotReport).dump(
            {
                "week": week,
                "items": len(items),
                "found": len(found),
                "raised": len(raised),
                "hotspot_ids": raised,
            }
        )

    @timer(interval=3600)
    def hotspot_tick(self) -> None:
        """Hourly: this week so far; on Monday also last week, now that it is complete."""
        now = utcnow()
        week = detector.week_of(now)
        self.hotspot_check(week)
        if now.astimezone(detector.CHINA).weekday() == 0:
            self.hotspot_check(detector.shift_week(week, -1))

    @rpc(expected_exceptions=expected)
    def hotspot_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.HotspotsQuery), query)
        with self.db() as uow:
            items, total = queries.hotspots(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.HotspotPage).dump(page_of(items, total, q))

    @rpc(expected_exceptions=expected)
    def hotspot_get(self, actor: dict, hotspot_id: int) -> dict:
        with self.db() as uow:
            return schema(contracts.Hotspot).dump(
                queries.hotspot(uow.session, Actor.from_dict(actor), hotspot_id)
            )
