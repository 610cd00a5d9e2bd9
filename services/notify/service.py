"""notify service: consumes domain events and keeps personal inboxes."""

from __future__ import annotations

from nameko.rpc import rpc
from sqlalchemy import func, select, update

from common.consumer import on_event
from common.contracts import notify as contracts
from common.contracts.base import load
from common.db import Database
from common.errors import DomainError
from common.events import utcnow
from services.notify import domain
from services.notify.models import Base, Notification, OutboxMessage, ProcessedEvent

expected = (DomainError,)


class NotifyService:
    name = "notify"

    db = Database(Base, OutboxMessage, ProcessedEvent)

    @rpc
    def ping(self) -> str:
        return "pong"

    @on_event("grids", "person.assigned")
    def on_person_assigned(self, event: dict) -> None:
        self._deliver(event, "on_person_assigned", domain.notices_for_person_assigned(event["data"]))

    @on_event("grids", "link.created")
    def on_link_created(self, event: dict) -> None:
        self._deliver(event, "on_link_created", domain.notices_for_link_created(event["data"]))

    def _deliver(self, event: dict, handler: str, notices: list[domain.Notice]) -> None:
        with self.db() as uow:
            if not uow.first_delivery(event["id"], f"notify.{handler}"):
                return
            for notice in notices:
                uow.session.add(
                    Notification(
                        person_id=notice.person_id,
                        kind=notice.kind,
                        title=notice.title,
                        body=notice.body,
                        event_id=event["id"],
                        event_type=event["type"],
                        subject=event.get("subject", ""),
                    )
                )
            uow.commit()

    @rpc(expected_exceptions=expected)
    def inbox(self, actor: dict, query: dict | None = None) -> dict:
        q = load(contracts.InboxQuery(), query)
        with self.db() as uow:
            mine = select(Notification).where(Notification.person_id == actor["id"])
            if q["unread"]:
                mine = mine.where(Notification.read_at.is_(None))
            total = uow.session.scalar(select(func.count()).select_from(mine.subquery()))
            unread = uow.session.scalar(
                select(func.count()).where(
                    Notification.person_id == actor["id"], Notification.read_at.is_(None)
                )
            )
            rows = uow.session.scalars(
                mine.order_by(Notification.id.desc())
                .limit(q["per_page"])
                .offset((q["page"] - 1) * q["per_page"])
            ).all()
            return contracts.InboxPage().dump(
                {
                    "items": rows,
                    "unread": unread,
                    "meta": {"page": q["page"], "per_page": q["per_page"], "total": total},
                }
            )

    @rpc(expected_exceptions=expected)
    def mark_read(self, actor: dict, payload: dict) -> dict:
        data = load(contracts.MarkRead(), payload)
        with self.db() as uow:
            result = uow.session.execute(
                update(Notification)
                .where(
                    Notification.person_id == actor["id"],
                    Notification.id.in_(data["ids"]),
                    Notification.read_at.is_(None),
                )
                .values(read_at=utcnow())
            )
            uow.commit()
            return {"marked": result.rowcount}
