"""Taking in an attachment: checked, stripped of what it should not carry, stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, refused
from common.scope import Actor
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.capture import Capture, is_image, read_capture
from services.tasks.fieldwork.models import Attachment, GridContact


def check_attachments(session: Session, actor: Actor, ids: list[int], kind: str | None = None) -> None:
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all() if ids else []
    if len(rows) != len(set(ids)) or any(a.uploaded_by != actor.id for a in rows):
        raise DomainError("validation_failed", fields={"attachment_ids": ["附件不存在或不是本人上传的"]})
    if kind and not any(a.kind == kind for a in rows):
        label = {"photo": "照片", "voice": "语音"}[kind]
        raise DomainError("validation_failed", fields={"attachment_ids": [f"请附上{label}"]})


def store_attachment(session: Session, actor: Actor, filename: str, content: bytes, store) -> Attachment:
    if not content:
        raise refused("attachment_rejected", "文件为空", "the file is empty")
    if len(content) > domain.MAX_ATTACHMENT_BYTES:
        raise refused("attachment_rejected", "文件超过 8 MB", "the file is larger than 8 MB")
    sniffed = domain.sniff(content)
    if sniffed is None:
        raise refused(
            "attachment_rejected",
            "只接受 jpeg/png/webp 照片、mp3/m4a/amr/wav 语音和 pdf 文件",
            "only jpeg/png/webp photos, mp3/m4a/amr/wav voice and pdf files are taken",
        )
    content_type, kind = sniffed
    if kind == "photo" and not is_image(content):
        raise refused(
            "attachment_rejected",
            "照片文件已损坏或不是真正的图片",
            "the photo is damaged or not a real picture",
        )
    if content_type == "application/pdf" and b"%%EOF" not in content[-2048:]:
        raise refused("attachment_rejected", "PDF 文件不完整", "the PDF file is incomplete")
    capture = read_capture(content) if kind == "photo" else Capture()
    digest = store.put(content)
    attachment = Attachment(
        taken_at=capture.taken_at,
        taken_lat=capture.lat,
        taken_lng=capture.lng,
        sha256=digest,
        content_type=content_type,
        kind=kind,
        size=len(content),
        filename=domain.named_for(filename, content_type),
        uploaded_by=actor.id,
        org_path=actor.scope[0] if actor.scope else "",
    )
    session.add(attachment)
    session.flush()
    return attachment


def store_newcomer_attachment(
    session: Session, contact: GridContact, filename: str, content: bytes, store
) -> Attachment:
    """A newcomer has no account: the file is kept as uploaded by nobody (id 0), at the
    grid they chose, and only a photo or a voice clip is taken."""
    newcomer = Actor(
        id=0,
        name="newcomer",
        roles=frozenset(),
        org_unit_id=None,
        department_id=None,
        scope=(contact.org_path,),
    )
    attachment = store_attachment(session, newcomer, filename, content, store)
    if attachment.kind not in ("photo", "voice"):
        raise refused("attachment_rejected", "只接受照片或语音", "only a photo or a voice message is taken")
    return attachment
