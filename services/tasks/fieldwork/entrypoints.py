"""nameko entrypoints of the fieldwork capability (mixed into TasksService): thin, they
validate with the contract, run a use case in a unit of work, commit, and dump.

Jobs (list generation, deadline escalation, alert checks) run from timers and from RPCs
that take the month or time; all are idempotent, so several replicas may run them."""

from __future__ import annotations

import base64
import logging
import time
from datetime import timedelta

import eventlet
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select

from common.consumer import on_event
from common.contracts import fieldwork as contracts
from common.contracts.base import load, schema
from common.crypto import blind_index
from common.errors import DomainError
from common.events import utcnow
from common.remote import call
from common.scope import Actor
from services.tasks.fieldwork import alerts, commands, domain, orders, queries
from services.tasks.fieldwork.attachments import default_store
from services.tasks.fieldwork.models import GridContact, Matter, MemberLink
from services.tasks.fieldwork.sms import default_sender

log = logging.getLogger(__name__)
expected = (DomainError,)

SNAPSHOT_PAGE = 20000
CONTACT_MAX_AGE = timedelta(hours=12)


def _page(items: list, total: int, q: dict) -> dict:
    return {"items": items, "meta": {"page": q["page"], "per_page": q["per_page"], "total": total}}


def _admin(actor: dict | None) -> None:
    """Jobs run by hand through the gateway are the county admin's; the bus itself is trusted."""
    if actor is not None:
        Actor.from_dict(actor).require("county_admin")


class FieldworkEntrypoints:
    # -- helpers (not entrypoints) ----------------------------------------------------

    def _contacts(self, uow, grid_ids) -> dict[int, GridContact]:
        """Who answers for each grid: cached rows, refreshed from grids when missing or stale."""
        ids = sorted({g for g in grid_ids if g is not None})  # an unknown grid (even 0) is a 404 from grids
        if not ids:
            return {}
        now = utcnow()
        cached = {
            c.grid_id: c for c in uow.session.scalars(select(GridContact).where(GridContact.grid_id.in_(ids)))
        }
        stale = [
            g
            for g in ids
            if g not in cached or commands._aware(cached[g].refreshed_at) < now - CONTACT_MAX_AGE
        ]
        if stale:
            pool = eventlet.GreenPool(8)
            fresh = list(pool.imap(lambda g: call(self.grids, "grids", "responsible_for_grid", g), stale))
            commands.save_contacts(uow.session, fresh, now)
            uow.session.flush()
            uow.session.expire_all()
            cached = {
                c.grid_id: c
                for c in uow.session.scalars(select(GridContact).where(GridContact.grid_id.in_(ids)))
            }
        return cached

    def _names(self, found: list[dict]) -> dict:
        """Names of the lagging members, grids and villages (and the villages they sit in)."""
        people = sorted({f["subject_id"] for f in found if f["subject_kind"] == "member"})
        units = sorted(
            {f["subject_id"] for f in found if f["subject_kind"] != "member"}
            | {ids[2] for f in found if len(ids := domain.path_ids(f["org_path"])) > 2}
        )
        named_people = call(self.grids, "grids", "person_names", people) if people else {}
        named_units = call(self.grids, "grids", "org_units", units) if units else []
        return {
            "people": {int(k): v for k, v in named_people.items()},
            "units": {u["id"]: u["name"] for u in named_units},
        }

    def _send_code(self, household_id: int, code: str) -> bool:
        text = f"【三联工程】党员刚刚走访了您家,请对本次走访评价(1-5分)。评价码:{code},{domain.CODE_DAYS}天内有效。"
        try:
            default_sender().send(household_id, text, "visit_rating")
            return True
        except Exception:  # noqa: BLE001 - the visit stands even if the SMS gateway is away
            log.exception("rating code for household %s not sent", household_id)
            return False

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
            return schema(contracts.ListPage).dump({"month": month, **_page(items, total, q)})

    # -- visits and ratings -------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def visit_record(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.VisitCreate), payload)
        who = Actor.from_dict(actor)
        who.require("member")
        now = utcnow()
        with self.db() as uow:
            contact = None
            if data["needs"]:
                grid_id = uow.session.scalar(
                    select(MemberLink.grid_id).where(
                        MemberLink.member_id == who.id, MemberLink.household_id == data["household_id"]
                    )
                )
                contact = self._contacts(uow, [grid_id]).get(grid_id)
            visit, matters, code = commands.record_visit(uow, who, data, contact, now)
            uow.commit()
            matter_ids = [m.id for m in matters]
            result = queries.visit_dict(visit, matter_ids)
        result["rating_code_sent"] = self._send_code(visit.household_id, code)
        return schema(contracts.Visit).dump(result)

    @rpc(expected_exceptions=expected)
    def visit_list_visits(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.VisitsQuery), query)
        with self.db() as uow:
            items, total = queries.visits(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.VisitPage).dump(_page(items, total, q))

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

    # -- matters on the ladder ----------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def matter_create(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MatterCreate), payload)
        who = Actor.from_dict(actor)
        with self.db() as uow:
            contact = self._contacts(uow, [data["grid_id"]])[data["grid_id"]]
            m = commands.create_matter(uow, who, data, contact, utcnow())
            uow.commit()
            return schema(contracts.Matter).dump(queries.matter(uow.session, who, m.id))

    @rpc(expected_exceptions=expected)
    def matter_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.MattersQuery), query)
        with self.db() as uow:
            items, total = queries.matters(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.MatterPage).dump(_page(items, total, q))

    @rpc(expected_exceptions=expected)
    def matter_get(self, actor: dict, matter_id: int) -> dict:
        with self.db() as uow:
            return schema(contracts.Matter).dump(
                queries.matter(uow.session, Actor.from_dict(actor), matter_id)
            )

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

        def run(uow, who):
            grid_id = uow.session.get(Matter, matter_id).grid_id
            contact = self._contacts(uow, [grid_id]).get(grid_id)
            commands.escalate(uow, who, matter_id, data["note"], contact, utcnow())

        return self._ladder(actor, matter_id, run)

    @rpc(expected_exceptions=expected)
    def matter_dispatch(self, actor: dict, matter_id: int, payload: dict) -> dict:
        data = load(schema(contracts.MatterDispatch), payload)
        departments = {d["id"]: d for d in call(self.grids, "grids", "departments", actor)}
        if data["department_id"] not in departments:
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
        with self.db() as uow:
            matters = commands.overdue(uow.session, now)
            contacts = self._contacts(uow, [m.grid_id for m in matters])
            report = commands.escalate_overdue(uow, matters, contacts, now)
            uow.commit()
        return schema(contracts.DeadlineReport).dump(report)

    @timer(interval=60)
    def matter_deadline_tick(self) -> None:
        self.matter_check_deadlines()

    # -- villager mailbox ---------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def mailbox_submit(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MailboxCreate), payload)
        who = Actor.from_dict(actor)
        # a resident writes from their own grid; a newcomer (no household yet) picks one
        grid_id = data["grid_id"] or who.org_unit_id
        if data["grid_id"] is None and not who.has("resident"):
            raise DomainError("validation_failed", fields={"grid_id": ["请选择您所在的网格"]})
        with self.db() as uow:
            contact = self._contacts(uow, [grid_id])[grid_id]
            m = commands.mailbox_submit(uow, who, data, contact, utcnow())
            uow.commit()
            return schema(contracts.MailboxReceipt).dump(
                {
                    "matter_id": m.id,
                    "grid_id": m.grid_id,
                    "handler_id": m.handler_id,
                    "message": "已收到,网格员会尽快联系您",
                }
            )

    @rpc(expected_exceptions=expected)
    def mailbox_submit_public(self, client: str, payload: dict) -> dict:
        """A newcomer without an account: phone and grid chosen, text, rate-limited."""
        data = load(schema(contracts.PublicMailboxCreate), payload)
        return self._public_mailbox(client, data, None)

    @rpc(expected_exceptions=expected)
    def mailbox_submit_public_media(self, client: str, form: dict, filename: str, content_b64: str) -> dict:
        """A newcomer's photo or voice clip (拍一拍、喊一喊), with the same limits as text."""
        data = load(schema(contracts.PublicMailboxMedia), form)
        return self._public_mailbox(client, data, (filename, base64.b64decode(content_b64)))

    def _public_mailbox(self, client: str, data: dict, upload: tuple[str, bytes] | None) -> dict:
        now = utcnow()
        with self.db() as uow:
            commands.attempts_left(uow.session, "mailbox", client or "unknown", now, 5, 60)
            phone_key = blind_index(data["phone"])  # counted per phone without storing it
            commands.attempts_left(uow.session, "mailbox", phone_key, now, 3, 60)
            commands.count_attempt(uow.session, "mailbox", client or "unknown", now, 60)
            commands.count_attempt(uow.session, "mailbox", phone_key, now, 60)
            contact = self._contacts(uow, [data["grid_id"]])[data["grid_id"]]
            request = {**data, "kind": "text"}
            if upload is not None:
                attachment = commands.store_newcomer_attachment(
                    uow.session, contact, *upload, default_store()
                )
                request |= {"kind": attachment.kind, "attachment_ids": [attachment.id]}
            m = commands.mailbox_submit(uow, None, request, contact, now)
            uow.commit()
            return schema(contracts.MailboxReceipt).dump(
                {
                    "matter_id": m.id,
                    "grid_id": m.grid_id,
                    "handler_id": m.handler_id,
                    "message": "已收到,网格员会尽快联系您",
                }
            )

    # -- attachments --------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def fieldwork_attachment_put(self, actor: dict, filename: str, content_b64: str) -> dict:
        who = Actor.from_dict(actor)
        content = base64.b64decode(content_b64)
        with self.db() as uow:
            attachment = commands.store_attachment(uow.session, who, filename, content, default_store())
            uow.commit()
            return schema(contracts.Attachment).dump(attachment)

    @rpc(expected_exceptions=expected)
    def fieldwork_attachment_get(self, actor: dict, attachment_id: int) -> dict:
        with self.db() as uow:
            a = queries.attachment_for(uow.session, Actor.from_dict(actor), attachment_id)
            content = default_store().get(a.sha256)
            if content is None:
                raise DomainError("not_found", {"what": "附件内容", "what_en": "attachment content"})
            return {
                "content_type": a.content_type,
                "filename": a.filename,
                "content_b64": base64.b64encode(content).decode("ascii"),
            }

    # -- alerts -------------------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def alert_check(self, month: str, phase: str, actor: dict | None = None) -> dict:
        _admin(actor)
        q = load(schema(contracts.AlertCheck), {"month": month, "phase": phase})
        now = utcnow()
        with self.db() as uow:
            found = alerts.lagging(uow.session, q["month"], q["phase"])
            contacts = self._contacts(uow, [lag["grid_id"] for lag in found])
            uow.commit()  # refreshed contacts kept; no lock held while grids is asked for names
        names = self._names(found)
        with self.db() as uow:
            raised = alerts.raise_lagging(uow, q["month"], q["phase"], found, contacts, now, names)
            uow.commit()
        return schema(contracts.AlertReport).dump(
            {"month": q["month"], "phase": q["phase"], "raised": len(raised), "alert_ids": raised}
        )

    @rpc(expected_exceptions=expected)
    def alert_list(self, actor: dict, query: dict | None = None) -> dict:
        q = load(schema(contracts.AlertsQuery), query)
        with self.db() as uow:
            items, total = queries.alerts(uow.session, Actor.from_dict(actor), q)
            return schema(contracts.AlertPage).dump(_page(items, total, q))

    @timer(interval=3600)
    def fieldwork_tick(self) -> None:
        """Start of month: refresh the replica and issue lists; mid-month and month end: alerts."""
        now = utcnow()
        month, day = domain.month_of(now), domain.china_today(now).day
        with self.db() as uow:
            issued = queries.issued_lists(uow.session, month)
        if not issued:
            self.fieldwork_sync_links()
            self.visit_generate_lists(month)
        if day == 15:
            self.alert_check(month, "mid")
        if day == 1:
            self.alert_check(domain.previous_month(month), "end")

    # -- settings and statistics --------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def fieldwork_settings_get(self, actor: dict) -> dict:
        who = Actor.from_dict(actor)
        who.require(*domain.STATS_READERS)
        county = domain.county_of(who.scope[0]) if who.scope else 0
        with self.db() as uow:
            deadlines, thresholds = commands.settings_for(uow.session, county)
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
