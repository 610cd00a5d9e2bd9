"""The villager mailbox (村民信箱): a letter, a voice message or a photo becomes a matter at
the grid."""

from __future__ import annotations

from datetime import datetime

from common.errors import DomainError
from common.scope import Actor
from common.text import is_blank, visible
from services.tasks.fieldwork.commands.attachment_intake import check_attachments
from services.tasks.fieldwork.commands.matter_records import new_matter
from services.tasks.fieldwork.domain import Source
from services.tasks.fieldwork.models import GridContact, Matter

KIND_TITLES = {"text": "村民来信", "voice": "村民语音留言", "photo": "村民随手拍"}


def mailbox_submit(uow, actor: Actor | None, data: dict, contact: GridContact, now: datetime) -> Matter:
    """写一写、喊一喊、拍一拍: the request lands as a small matter at the grid's worker."""
    kind = data.get("kind", "text")
    if actor is not None:
        check_attachments(
            uow.session, actor, data.get("attachment_ids", []), kind if kind != "text" else None
        )
    if kind == "text" and is_blank(data.get("text")):
        raise DomainError("validation_failed", fields={"text": ["请写下您要反映的事情"]})
    text = visible(data.get("text"))
    title = f"{KIND_TITLES[kind]}:{text[:30]}" if text else KIND_TITLES[kind]
    return new_matter(
        uow,
        title=title,
        description=text,
        source=Source.mailbox,
        contact=contact,
        now=now,
        handler_id=(contact.grid_workers or [None])[0],
        actor_id=actor.id if actor else None,
        kind=kind,
        reporter_id=actor.id if actor else None,
        reporter_phone=data.get("phone"),
        attachment_ids=data.get("attachment_ids", []),
        client_key=data.get("client_key"),
    )
