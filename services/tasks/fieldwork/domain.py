"""Rules of work in the field, in plain Python: months, the escalation ladder, who may
do what to a matter, rating codes, attachment types, alert thresholds."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from common import roles

# months and "today" are China time, places are org paths: the kernel's, re-exported here
from common.china_time import CHINA as CHINA
from common.china_time import china_today as china_today
from common.china_time import month_bounds as month_bounds
from common.china_time import month_of as month_of
from common.china_time import previous_month as previous_month
from common.org_paths import county_of as county_of
from common.org_paths import path_ids as path_ids
from common.org_paths import place_of as place_of
from common.scope import Actor

# -- the escalation ladder ------------------------------------------------------------


class Level(enum.StrEnum):
    grid = "grid"  # 微事快办
    village = "village"  # 难事协办
    department = "department"  # 点兵点将


LEVEL_LABELS = {
    Level.grid: "微事快办(网格)",
    Level.village: "难事协办(村)",
    Level.department: "点兵点将(部门)",
}
NEXT_LEVEL = {Level.grid: Level.village, Level.village: Level.department, Level.department: None}


class Status(enum.StrEnum):
    open = "open"  # waiting at its level (at department level: waiting for dispatch or for 接单)
    taken = "taken"  # a department took the order
    resolved = "resolved"
    rated = "rated"


STATUS_LABELS = {
    Status.open: "待处置",
    Status.taken: "已接单",
    Status.resolved: "已办结",
    Status.rated: "已评价",
}


class Source(enum.StrEnum):
    visit = "visit"
    mailbox = "mailbox"
    grid = "grid"


@dataclass(frozen=True)
class Deadlines:
    """Days allowed at each level before the item climbs by itself (per county)."""

    grid_days: float = 2
    village_days: float = 3
    department_days: float = 5

    def days(self, level: Level) -> float:
        return {
            Level.grid: self.grid_days,
            Level.village: self.village_days,
            Level.department: self.department_days,
        }[level]

    def deadline(self, level: Level, since: datetime) -> datetime:
        return since + timedelta(days=self.days(level))


@dataclass(frozen=True)
class Thresholds:
    """Alert when a rate falls below these; mid-month expects partial progress."""

    visit_rate_mid: float = 0.4
    visit_rate_end: float = 0.9
    completion_rate_mid: float = 0.5
    completion_rate_end: float = 0.8

    def visit_rate(self, phase: str) -> float:
        return self.visit_rate_mid if phase == "mid" else self.visit_rate_end

    def completion_rate(self, phase: str) -> float:
        return self.completion_rate_mid if phase == "mid" else self.completion_rate_end


class LadderError(Exception):
    """A step the matter's state does not allow (409), with a Chinese reason."""

    def __init__(self, detail: str, detail_en: str):
        super().__init__(detail)
        self.detail = detail
        self.detail_en = detail_en


@dataclass(frozen=True)
class MatterState:
    level: Level
    status: Status
    org_path: str
    member_id: int | None
    reporter_id: int | None
    department_id: int | None
    handler_id: int | None


def handles_at_grid(actor: Actor, m: MatterState) -> bool:
    """微事快办: the linked member who raised it, or the grid's worker / linked cadre."""
    if actor.has("member") and m.member_id == actor.id:
        return True
    return actor.has(*roles.VILLAGE_HANDS) and actor.covers(m.org_path)


def handles_at_village(actor: Actor, m: MatterState) -> bool:
    return actor.has("village_secretary") and actor.covers(m.org_path)


# 点兵点将 at the township platform: the township leader (or a county admin), and the team
# cadres of a team linked to the matter's village (组团联村; their scope is their team's villages)
DISPATCHER_ROLES = roles.MATTER_DISPATCHERS


def dispatches(actor: Actor, m: MatterState, platform_staff: bool = False) -> bool:
    """四平台: the township leader, a team cadre of the village's team, or staff of the
    township's platform, picks a department; each only for a matter inside their scope."""
    if not actor.covers(m.org_path):
        return False
    return actor.has(*DISPATCHER_ROLES) or (platform_staff and actor.has("department_staff"))


def takes_order(actor: Actor, m: MatterState) -> bool:
    return (
        actor.has("department_staff")
        and m.department_id is not None
        and actor.department_id == m.department_id
    )


def reaches_requester(actor: Actor, m: MatterState, platform_staff: bool = False) -> bool:
    """Who may call the requester back (name and full phone): staff of the department the
    matter was dispatched to, and whoever handles it at its current level, in scope: the grid's
    worker, cadres and secretary (or the member who raised it) at grid level, the secretary at
    village level, the township platform (leader, team cadres, platform staff) at department
    level. Nobody else, however much of the tree they read."""
    if takes_order(actor, m):
        return True
    if m.level == Level.grid:
        return handles_at_grid(actor, m)
    if m.level == Level.village:
        return handles_at_village(actor, m)
    return dispatches(actor, m, platform_staff)


def requester_card(
    matter_id: int,
    reporter_id: int | None,
    household_id: int | None,
    reporter_phone: str | None,
    contact: dict | None,
) -> dict:
    """How to reach the requester, from the matter and grids' contact of the person or household.
    The phone the requester left with the matter (mailbox, Open311) comes first: it is the one
    they asked to be called on; then the person's, then the household's. A newcomer has no
    account and no household yet: only the phone they left."""
    contact = contact or {}
    if reporter_id is not None:
        kind = "person"
    elif household_id is not None:
        kind = "household"
    else:
        kind = "newcomer" if reporter_phone else "unknown"
    return {
        "matter_id": matter_id,
        "kind": kind,
        "reporter_id": reporter_id,
        "name": contact.get("name"),
        "phone": reporter_phone or contact.get("phone"),
        "household_id": contact.get("household_id") or household_id,
        "household_name": contact.get("household_name"),
        "address": contact.get("address"),
        "place_name": contact.get("place_name"),
    }


def check_resolve(actor: Actor, m: MatterState) -> None:
    if m.status in (Status.resolved, Status.rated):
        raise LadderError("该事项已办结,不能重复办结", "The matter is already resolved")
    if m.level == Level.grid and not handles_at_grid(actor, m):
        raise PermissionError
    if m.level == Level.village and not handles_at_village(actor, m):
        raise PermissionError
    if m.level == Level.department:
        if not takes_order(actor, m):
            raise PermissionError
        if m.status != Status.taken:
            raise LadderError(
                "部门须先接单,才能办结", "The department must take the order before resolving it"
            )


def check_escalate(actor: Actor, m: MatterState) -> Level:
    if m.status in (Status.resolved, Status.rated):
        raise LadderError("该事项已办结,不能再上报", "The matter is resolved: it cannot be escalated")
    if m.level == Level.grid:
        if not handles_at_grid(actor, m):
            raise PermissionError
        return Level.village
    if m.level == Level.village:
        if not handles_at_village(actor, m):
            raise PermissionError
        return Level.department
    raise LadderError(
        "事项已在部门层级(点兵点将),不能再上报", "The matter is at department level: it cannot go higher"
    )


def check_dispatch(actor: Actor, m: MatterState, platform_staff: bool) -> None:
    if m.level != Level.department:
        raise LadderError(
            "只有上报到乡镇四平台的事项才能派给部门",
            "Only a matter escalated to the township platform can be sent to a department",
        )
    if m.status != Status.open:
        raise LadderError("该事项已被部门接单或已办结,不能再派单", "The matter was already taken or resolved")
    if not dispatches(actor, m, platform_staff):
        raise PermissionError


def serves(department_unit_id: int, org_path: str) -> bool:
    """A department takes orders for the places under its own unit: a county department for
    the whole county, a township's platform for that township only, never another's."""
    return department_unit_id in path_ids(org_path)


def check_take(actor: Actor, m: MatterState) -> None:
    if m.level != Level.department or m.department_id is None:
        raise LadderError("该事项尚未派给部门,不能接单", "The matter was not sent to a department")
    if not takes_order(actor, m):
        raise PermissionError
    if m.status != Status.open:
        raise LadderError("该事项已接单或已办结,不能重复接单", "The matter was already taken or resolved")


def check_rate(actor: Actor, m: MatterState) -> None:
    if m.reporter_id != actor.id and m.member_id != actor.id:
        raise PermissionError
    if m.status == Status.rated:
        raise LadderError("该事项已评价过,不能重复评价", "The matter has already been rated")
    if m.status != Status.resolved:
        raise LadderError("事项办结后才能评价", "A matter can be rated once resolved")


# Roles that see matters by place (scope); the others see only their own.
PLACE_READERS = roles.PLACE_LEADERS
STATS_READERS = PLACE_READERS


# -- rating codes ---------------------------------------------------------------------

# No 0/O/1/I/L: the code is read off a phone and typed in by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_DAYS = 7


def new_rating_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def rating_sms(code: str, public_url: str | None) -> str:
    """The household's SMS: the code, and where the platform is reachable from a phone, the
    link to the rating page with the code filled in (no account, any phone)."""
    text = f"【三联工程】党员刚刚走访了您家,请对本次走访评价(1-5分)。评价码:{code},{CODE_DAYS}天内有效。"
    if public_url:
        text += f"点此评价:{public_url.rstrip('/')}/console/m/rate?code={code}"
    return text


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


# -- attachments ----------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, kind) from the first bytes, never from the file name."""
    head = content[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "photo"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "photo"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", "voice"
    if head.startswith(b"#!AMR"):
        return "audio/amr", "voice"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "voice"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41"):
        return "audio/mp4", "voice"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "document"
    return None


EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "audio/wav": ".wav",
    "audio/amr": ".amr",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "application/pdf": ".pdf",
}


def named_for(filename: str, content_type: str) -> str:
    """The uploader's file name with the extension of what the bytes are, so `x.html` that is
    a PNG is kept as `x.png` and never offered back as a page."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem.strip()[:180] or "附件") + EXTENSIONS[content_type]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
