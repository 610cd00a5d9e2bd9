"""nameko entrypoints for the linked member's month: the member-household replica, the
monthly visit lists, visits and their ratings, the county's field-work settings and figures."""

from __future__ import annotations

import time

from nameko.rpc import rpc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from common.consumer import on_event
from common.contracts import fieldwork as contracts
from common.contracts.base import load, schema
from common.errors import DomainError
from common.events import utcnow
from common.paging import page_of
from common.remote import call
from common.scope import Actor
from services.tasks.fieldwork import commands, domain, queries
from services.tasks.fieldwork.entrypoint_support import (
    SNAPSHOT_PAGE,
    FieldworkSupport,
    _admin,
    expected,
)
from services.tasks.fieldwork.models import MemberLink
from services.tasks.fieldwork.settings_store import settings_for


class VisitEntrypoints(FieldworkSupport):
    # -- the member↔household replica ---------------------------------------------------

    @rpc(expected_exceptions=expected)
    def fieldwork_sync_links(self, actor: dict | None = None) -> dict:
        """Full refresh of the replica from grids' `links_snapshot`, page by page."""
        _admin(actor)
        started = utcnow()
        after, seen = 0, 0
        with self.db() as uow:
            while True:
                rows = call(
                    self.grids,
                    "grids",
                    "links_snapshot",
                    "member_household",
                    after,
                    SNAPSHOT_PAGE,
                    timeout=60,
                )
                if not rows:
                    break
                seen += commands.apply_links(uow.session, rows, started)
                after = rows[-1]["id"]
                if len(rows) < SNAPSHOT_PAGE:
                    break
            ended = commands.end_links_not_seen(uow.session, started)
            uow.commit()
        return schema(contracts.SyncReport).dump({"links": seen, "active": seen, "ended": ended})

    @on_event("grids", "link.created")
    def fieldwork_on_link_created(self, event: dict) -> None:
        """A member↔household link into `fw_member_links` and onto this month's visit list."""
        data = event["data"]
        if data.get("kind") != "member_household":
            return
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "fieldwork_on_link_created"):
                return
            place = call(self.grids, "grids", "responsible_for_household", data["target_id"])
            link = {**data, "org_path": place["org_path"], **domain.place_of(place["org_path"])}
            now = utcnow()
            commands.apply_links(uow.session, [link], now)
            commands.add_link_to_current_list(uow.session, link, domain.month_of(now))
            uow.commit()

    @on_event("grids", "link.ended")
    def fieldwork_on_link_ended(self, event: dict) -> None:
        """A member↔household link ended in `fw_member_links`."""
        data = event["data"]
        if data.get("kind") != "member_household":
            return
        with self.db() as uow:
            if not uow.first_delivery(event["id"], "fieldwork_on_link_ended"):
                return
            commands.end_link(uow.session, data["id"])
            uow.commit()

    # -- monthly visit lists ------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def visit_generate_lists(self, month: str, actor: dict | None = None) -> dict:
        _admin(actor)
        month = load(schema(contracts.GenerateLists), {"month": month})["month"]
        started = time.perf_counter()
        with self.db() as uow:
            report = commands.generate_lists(uow, month, utcnow())
            uow.commit()
        report["seconds"] = round(time.perf_counter() - started, 3)
        return schema(contracts.GenerateReport).dump(report)

    @rpc(expected_exceptions=expected)
    def visit_my_list(self, actor: dict, query: dict | None = None) -> dict:
        who = Actor.from_dict(actor)
        who.require("member")
        month = load(schema(contracts.MonthQuery), query)["month"] or domain.month_of(utcnow())
        with self.db() as uow:
            return schema(contracts.MyList).dump(queries.my_list(uow.session, who, month))

    @rpc(expected_exceptions=expected)
    def visit_lists(self, actor: dict, query: dict | None = None) -> dict:
        who = Actor.from_dict(actor)
        who.require(*domain.PLACE_READERS)
        q = load(schema(contracts.ListsQuery), query)
        month = q["month"] or domain.month_of(utcnow())
        with self.db() as uow:
            items, total = queries.list_summaries(
                uow.session, who, month, q["grid_id"], q["member_id"], q["page"], q["per_page"]
            )
            return schema(contracts.ListPage).dump({"month": month, **page_of(items, total, q)})

    # -- visits and ratings -------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def visit_record(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.VisitCreate), payload)
        who = Actor.from_dict(actor)
        who.require("member")
        with self.db() as uow:  # a queued visit sent again: the first send's answer
            earlier = commands.recorded_visit(uow.session, who, data)
            if earlier is not None:
                return schema(contracts.Visit).dump(queries.visit_dict(*earlier) | {"replayed": True})
        now = utcnow()
        contact = None
        if data["needs"]:  # who takes the needs it raises, looked up before the unit of work
            with self.db() as uow:
                grid_id = uow.session.scalar(
                    select(MemberLink.grid_id).where(
                        MemberLink.member_id == who.id, MemberLink.household_id == data["household_id"]
                    )
                )
            contact = self._contacts([grid_id]).get(grid_id)
        try:
            with self.db() as uow:
                visit, matters, code = commands.record_visit(uow, who, data, contact, now)
                uow.commit()
                matter_ids = [m.id for m in matters]
                result = queries.visit_dict(visit, matter_ids)
        except IntegrityError:  # the same key sent twice at once: the other send recorded it
            with self.db() as uow:
                earlier = commands.recorded_visit(uow.session, who, data)
                if earlier is None:
                    raise
                return schema(contracts.Visit).dump(queries.visit_dict(*earlier) | {"replayed": True})
        result["rating_code_sent"] = self._send_code(visit.household_id, code)
        result["replayed"] = False
        return schema(contracts.Visit).dump(result)

    @rpc(expected_exceptions=expected)
    def visit_list_visits(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.VisitsQuery), query)
        with self.db() as uow:
            items, total = queries.visits(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.VisitPage).dump(page_of(items, total, q))

    @rpc(expected_exceptions=expected)
    def visit_get(self, actor: dict, visit_id: int) -> dict:
        with self.db() as uow:
            return schema(contracts.Visit).dump(queries.visit(uow.session, Actor.from_dict(actor), visit_id))

    @rpc(expected_exceptions=expected)
    def rating_code_resend(self, actor: dict, visit_id: int) -> dict:
        who = Actor.from_dict(actor)
        who.require("member")
        with self.db() as uow:
            visit, code = commands.resend_rating_code(uow, who, visit_id, utcnow())
            uow.commit()
        sent = self._send_code(visit.household_id, code)
        return schema(contracts.RatingCodeSent).dump(
            {"visit_id": visit.id, "rating_code_sent": sent, "expires_in_days": domain.CODE_DAYS}
        )

    @rpc(expected_exceptions=expected)
    def rating_submit(self, client: str, payload: dict) -> dict:
        """Unauthenticated: the household proves itself with the one-time code."""
        data = load(schema(contracts.RatingSubmit), payload)
        with self.db() as uow:
            visit = commands.rate_visit(uow, client or "unknown", data, utcnow())
            uow.commit()  # a refusal is counted against the client before it is answered
            if visit is None:
                raise DomainError("rating_code_invalid")
            return schema(contracts.RatingResult).dump(
                {"visit_id": visit.id, "rating": visit.rating, "message": "感谢您的评价!"}
            )

    # -- settings and statistics --------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def fieldwork_settings_get(self, actor: dict) -> dict:
        who = Actor.from_dict(actor)
        who.require(*domain.STATS_READERS)
        county = domain.county_of(who.scope[0]) if who.scope else 0
        with self.db() as uow:
            deadlines, thresholds = settings_for(uow.session, county)
        return schema(contracts.SettingsView).dump(
            {"county_id": county, **deadlines.__dict__, **thresholds.__dict__}
        )

    @rpc(expected_exceptions=expected)
    def fieldwork_settings_put(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.Settings), payload)
        who = Actor.from_dict(actor)
        with self.db() as uow:
            commands.save_settings(uow.session, who, data, utcnow())
            uow.commit()
        return self.fieldwork_settings_get(actor)

    @rpc(expected_exceptions=expected)
    def fieldwork_stats(self, actor: dict, query: dict) -> dict:
        q = load(schema(contracts.StatsQuery), query)
        who = Actor.from_dict(actor)
        who.require(*domain.STATS_READERS)
        if q["org_unit_id"] is None:
            if len(who.scope) != 1:
                raise DomainError("validation_failed", fields={"org_unit_id": ["请选择要统计的组织"]})
            path = who.scope[0]
        else:
            units = call(self.grids, "grids", "org_units", [q["org_unit_id"]])
            if not units:
                raise DomainError("not_found", {"what": "组织", "what_en": "org unit"})
            path = units[0]["path"]
        who.require_scope(path)
        levels = ["county", "township", "village", "grid"]
        level = levels[len(domain.path_ids(path)) - 1]
        if q["by"] is not None and levels.index(q["by"]) <= levels.index(level):
            raise DomainError("validation_failed", fields={"by": ["只能按下级组织分组"]})
        with self.db() as uow:
            totals, breakdown = queries.stats(uow.session, q["month"], path, q["by"])
        totals["org_unit_id"] = domain.path_ids(path)[-1]
        return schema(contracts.Stats).dump(
            {
                "month": q["month"],
                "level": level,
                "org_unit_id": totals["org_unit_id"],
                "totals": totals,
                "breakdown": breakdown,
            }
        )
