"""What an inbox item is about, as a reference a frontend can open: the event's subject
(`<collection>/<id>…`, e.g. `matters/12`, `alerts/7`) read as `{kind, id}`."""

from __future__ import annotations

KINDS = {  # collection in an event's subject -> the glossary's name of the object
    "tasks": "task",
    "assignments": "assignment",
    "matters": "matter",
    "visits": "visit",
    "visit-lists": "visit_list",
    "alerts": "alert",
    "procedures": "procedure",
    "projects": "project",
    "templates": "template",
    "hotspots": "hotspot",
    "org_units": "org_unit",
    "villages": "village",
    "grids": "grid",
    "members": "member",
    "people": "person",
    "households": "household",
    "links": "link",
    "subscriptions": "subscription",
    "deliveries": "delivery",
    "periods": "period",
}


def reference(subject: str | None) -> dict | None:
    """`matters/12` -> {"kind": "matter", "id": 12}; `visit-lists/2026-11/5` ->
    {"kind": "visit_list", "id": 5, "key": "2026-11/5"}; None when it names nothing."""
    if not subject or "/" not in subject:
        return None
    collection, _, rest = subject.partition("/")
    kind = KINDS.get(collection)
    if kind is None:
        return None
    first = rest.split("/")[0]
    last = rest.split("/")[-1]
    ref: dict = {"kind": kind, "key": rest}
    ref["id"] = int(first) if first.isdigit() else (int(last) if last.isdigit() else None)
    return ref


ITEM_FIELDS = ("id", "kind", "title", "body", "event_type", "event_id", "subject", "created_at", "read_at")


def inbox_item(row) -> dict:
    """An inbox row as the contract shows it, with the reference to what it is about."""
    return {**{f: getattr(row, f) for f in ITEM_FIELDS}, "ref": reference(row.subject)}
