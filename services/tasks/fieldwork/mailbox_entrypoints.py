"""nameko entrypoints for the villager mailbox (signed-in and public), attachments and
the field alerts with their timer."""

from __future__ import annotations

import base64

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy.exc import IntegrityError

from common.contracts import fieldwork as contracts
from common.contracts.base import load, schema
from common.crypto import blind_index
from common.errors import DomainError
from common.events import utcnow
from common.paging import page_of
from common.scope import Actor
from services.tasks.fieldwork import alerts, commands, domain, queries
from services.tasks.fieldwork.attachments import default_store
from services.tasks.fieldwork.entrypoint_support import (
    FieldworkSupport,
    _admin,
    expected,
)
from services.tasks.fieldwork.models import Matter


def _receipt(m: Matter, replayed: bool = False) -> dict:
    return schema(contracts.MailboxReceipt).dump(
        {
            "matter_id": m.id,
            "grid_id": m.grid_id,
            "handler_id": m.handler_id,
            "message": "已收到,网格员会尽快联系您",
            "replayed": replayed,
        }
    )


class MailboxEntrypoints(FieldworkSupport):
    # -- villager mailbox ---------------------------------------------------------------

    @rpc(expected_exceptions=expected)
    def mailbox_submit(self, actor: dict, payload: dict) -> dict:
        data = load(schema(contracts.MailboxCreate), payload)
        who = Actor.from_dict(actor)
        with self.db() as uow:  # a queued letter sent again: the first send's receipt
            earlier = commands.mailed_letter(uow.session, who, data)
            if earlier is not None:
                return _receipt(earlier, replayed=True)
        # a resident writes from their own grid; a newcomer (no household yet) picks one
        grid_id = data["grid_id"] or who.org_unit_id
        if data["grid_id"] is None and not who.has("resident"):
            raise DomainError("validation_failed", fields={"grid_id": ["请选择您所在的网格"]})
        contact = self._contacts([grid_id])[grid_id]
        if who.scope and not who.covers(contact.org_path):
            raise DomainError("out_of_scope")  # someone with a place writes from it
        try:
            with self.db() as uow:
                m = commands.mailbox_submit(uow, who, data, contact, utcnow())
                uow.commit()
                return _receipt(m)
        except IntegrityError:  # the same key sent twice at once: the other send recorded it
            with self.db() as uow:
                earlier = commands.mailed_letter(uow.session, who, data)
                if earlier is None:
                    raise
                return _receipt(earlier, replayed=True)

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
        phone_key = blind_index(data["phone"])  # counted per phone without storing it
        with self.db() as uow:  # over the limit: refused before grids is even asked
            commands.attempts_left(uow.session, "mailbox", client or "unknown", now, 5, 60)
            commands.attempts_left(uow.session, "mailbox", phone_key, now, 3, 60)
        contact = self._contacts([data["grid_id"]])[data["grid_id"]]
        with self.db() as uow:
            commands.attempts_left(uow.session, "mailbox", client or "unknown", now, 5, 60)
            commands.attempts_left(uow.session, "mailbox", phone_key, now, 3, 60)
            commands.count_attempt(uow.session, "mailbox", client or "unknown", now, 60)
            commands.count_attempt(uow.session, "mailbox", phone_key, now, 60)
            request = {**data, "kind": "text"}
            if upload is not None:
                attachment = commands.store_newcomer_attachment(
                    uow.session, contact, *upload, default_store()
                )
                request |= {"kind": attachment.kind, "attachment_ids": [attachment.id]}
            m = commands.mailbox_submit(uow, None, request, contact, now)
            uow.commit()
            return _receipt(m)

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
        contacts = self._contacts([lag["grid_id"] for lag in found])  # no lock held while grids answers
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
            return schema(contracts.AlertPage).dump(page_of(items, total, q))

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
