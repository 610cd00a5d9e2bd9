"""Evidence that cannot be made up: every photo, file, minutes or attendance sheet a
submission or a procedure step names is an attachment uploaded before it, by the submitter
or within the place the work belongs to, of the right kind. What the reviewer sees beside
it: each file's name and, for a photo, when and where it was taken (EXIF), with a warning
when it was taken before the work was handed out.

`check` is the rule (pure); `verify` loads the attachments and raises the 422 with every
bad reference named; it is used by taskflow, procedures and the project board alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from common.contracts.messages import EXTRA_MESSAGES
from common.errors import DomainError
from services.tasks.fieldwork.domain import CHINA
from services.tasks.fieldwork.models import Attachment
from services.tasks.fieldwork.storage import _aware

# which kinds of upload each evidence field takes (None: any kind)
KINDS = {
    "photos": ("photo",),
    "minutes": ("document", "photo"),
    "sheets": ("document", "photo"),
    "attachments": None,
}
_NOT_KIND = {("photo",): "attachment_not_photo", ("document", "photo"): "attachment_not_document"}
# a camera clock a few minutes off is not a made-up photo
CLOCK_SLACK = timedelta(minutes=10)


def refs_of(evidence: dict) -> dict[str, list[int]]:
    """The attachment references in a body of evidence, by field (attendance sheets included)."""
    refs = {field: list(evidence.get(field) or []) for field in ("photos", "minutes", "attachments")}
    refs["sheets"] = list((evidence.get("attendance") or {}).get("sheets") or [])
    return {field: ids for field, ids in refs.items() if ids}


def check(refs: dict[str, list[int]], found: dict[int, Attachment], submitter: int, place: str, now):
    """{field: [messages]} for every reference that is not a proper upload (empty: all good)."""
    errors: dict[str, list[str]] = {}
    for field, ids in refs.items():
        for ref in ids:
            a = found.get(ref)
            if a is None:
                problem = "attachment_missing"
            elif a.uploaded_by != submitter and not (place and (a.org_path or "").startswith(place)):
                problem = "attachment_foreign"
            elif KINDS.get(field) and a.kind not in KINDS[field]:
                problem = _NOT_KIND[KINDS[field]]
            elif _aware(a.created_at) > now:
                problem = "attachment_later"
            else:
                continue
            errors.setdefault(field, []).append(EXTRA_MESSAGES[problem][0].format(ref=ref))
    return errors


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def file_facts(field: str, a: Attachment, handed_out: datetime | None) -> dict:
    taken = _aware(a.taken_at)
    before = bool(taken and handed_out and taken < _aware(handed_out) - CLOCK_SLACK)
    return {
        "id": a.id,
        "field": field,
        "kind": a.kind,
        "filename": a.filename,
        "content_type": a.content_type,
        "taken_at": taken.isoformat() if taken else None,
        "taken_place": {"lat": a.taken_lat, "lng": a.taken_lng} if a.taken_lat is not None else None,
        "taken_before_dispatch": before,
    }


# what the work was handed out by: an assignment's dispatch, or a procedure's start
SINCE = {
    "dispatch": ("派发时间", "it was dispatched"),
    "procedure": ("程序开始时间", "the procedure began"),
}


def warnings(files: Iterable[dict], since: str = "dispatch") -> list[dict]:
    zh, en = SINCE[since]
    return [
        {
            "code": "photo_taken_before_dispatch",
            "attachment_id": f["id"],
            "label": f"照片 {f['filename'] or f['id']} 拍摄于 {_local(f['taken_at'])},早于{zh}",
            "label_en": f"Photo {f['filename'] or f['id']} was taken at {_local(f['taken_at'])}, before {en}",
        }
        for f in files
        if f["taken_before_dispatch"]
    ]


def verify(session, refs: dict[str, list[int]], submitter: int, place: str, now, handed_out=None, at=None):
    """The files' facts for the record, or 422 naming every bad reference (`at`: where the
    fields sit in the request body, e.g. ("evidence",))."""
    ids = {ref for values in refs.values() for ref in values}
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all() if ids else []
    found = {a.id: a for a in rows}
    errors = check(refs, found, submitter, place, _aware(now))
    if errors:
        if "sheets" in errors:  # said where the body has them
            errors["attendance"] = {"sheets": errors.pop("sheets")}
        for key in reversed(at or ()):
            errors = {key: errors}
        raise DomainError("evidence_not_uploaded", fields=errors)
    return [file_facts(field, found[ref], handed_out) for field, values in refs.items() for ref in values]
