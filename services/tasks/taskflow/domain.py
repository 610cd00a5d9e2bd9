"""Rules of the taskflow capability, free of any framework: levels, statuses and their
transitions, screening, evidence, months in local time, and the ledger's canonical form."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from common import china_time, org_paths, roles

LOCAL = china_time.CHINA  # months and deadlines are reckoned in Beijing time

LEVELS = ("township", "village", "grid")
LEVEL_LABELS = {"county": "县", "township": "乡镇", "village": "村", "grid": "网格"}
EVIDENCE_KINDS = ("text", "photo", "location", "attachment")
EVIDENCE_LABELS = {"text": "文字说明", "photo": "照片", "location": "定位", "attachment": "附件"}

SENDER_ROLES = roles.TASK_SENDERS
REVIEWER_ROLES = roles.TOWNSHIP
VILLAGE_ROLES = roles.ASSIGNERS
WORKER_ROLES = roles.TASK_WORKERS
READER_ROLES = roles.TASK_READERS

# -- screening -----------------------------------------------------------------------

REJECT_REASONS = {
    "unknown_code": "过筛编码不在事项清单中",
    "retired_code": "该事项已停用",
    "level_not_allowed": "该事项不能派到此层级",
    "duplicate": "同一事项已向该对象派发且未办结(多头派单)",
}
REJECT_REASONS_EN = {
    "unknown_code": "The screening code is not in the matter catalogue",
    "retired_code": "The matter has been retired",
    "level_not_allowed": "The matter may not be sent to this level",
    "duplicate": "The same matter was already sent to this place and is still open",
}
# not a rejection: the task is held for review, but the rejection statistics count it
NEGATIVE_LIST = "negative_list"
NEGATIVE_LIST_LABEL = "触及基层减负负面清单,待审核把关"

TASK_STATUS_LABELS = {
    "needs_code": "待补过筛编码",
    "rejected": "过筛驳回",
    "pending_review": "待审核",
    "approved": "已审核",
    "returned": "已退回",
    "dispatched": "已派单",
    "done": "已办结",
    "withdrawn": "已撤回",
}
TASK_STATUS_EN = {
    "needs_code": "waiting for a screening code",
    "rejected": "rejected by screening",
    "pending_review": "waiting for review",
    "approved": "approved",
    "returned": "returned",
    "dispatched": "dispatched",
    "done": "done",
    "withdrawn": "withdrawn",
}
# open work for the overlap check (多头派单); a withdrawn task is not among them
OPEN_TASK_STATUSES = ("pending_review", "approved", "dispatched")
EDITABLE_TASK_STATUSES = ("pending_review", "approved")
# before anyone acted on it: waiting for its screening code, or held for the township's review
WITHDRAWABLE_TASK_STATUSES = ("needs_code", "pending_review")

ASSIGNMENT_STATUS_LABELS = {
    "dispatched": "已派发",
    "assigned": "已分派",
    "claimed": "已领办",
    "in_progress": "办理中",
    "submitted": "已提交",
    "returned": "已退回",
    "accepted": "已办结",
}
OPEN_ASSIGNMENT_STATUSES = ("dispatched", "assigned", "claimed", "in_progress", "submitted", "returned")

# action -> (statuses it may start from, status it leads to)
ASSIGNMENT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (("dispatched", "assigned"), "assigned"),
    "claim": (("dispatched", "assigned"), "claimed"),
    "start": (("claimed", "returned"), "in_progress"),
    "submit": (("claimed", "in_progress", "returned"), "submitted"),
    "accept": (("submitted",), "accepted"),
    "return": (("submitted",), "returned"),
}
ACTION_LABELS = {
    "received": "接收任务(过筛通过)",
    "rejected": "过筛驳回",
    "needs_code": "待补过筛编码",
    "content_flagged": "内容过筛提示(负面清单或编码与内容不符)",
    "coded": "补录过筛编码",
    "approved": "审核通过",
    "returned": "审核退回",
    "edited": "修改对象或期限",
    "decision_recorded": "记录集体讨论",
    "dispatched": "派单",
    "withdrawn": "发送方撤回",
    "closed": "任务办结",
    "assign": "分派到网格或人员",
    "claim": "领办",
    "start": "开始办理",
    "submit": "提交办理结果",
    "accept": "验收通过",
    "return": "退回重办",
    "due_soon": "到期提醒",
    "overdue": "逾期",
}


class TransitionError(Exception):
    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message = message
        self.message_en = message_en


def next_status(action: str, current: str) -> str:
    """The status `action` leads to from `current`; TransitionError (409) otherwise."""
    allowed, to = ASSIGNMENT_TRANSITIONS[action]
    if current not in allowed:
        raise TransitionError(
            f"任务当前状态为“{ASSIGNMENT_STATUS_LABELS.get(current, current)}”,不能{ACTION_LABELS[action]}",
            f"The assignment is {current.replace('_', ' ')}: it cannot be {action}ed now",
        )
    return to


def check_withdraw(status: str) -> None:
    """A sender may take a task back only before the township acted on it: while it waits for
    a screening code or for review. TransitionError (409) otherwise."""
    if status not in WITHDRAWABLE_TASK_STATUSES:
        raise TransitionError(
            f"任务当前状态为“{TASK_STATUS_LABELS.get(status, status)}”,"
            "只有待补过筛编码或待审核的任务才能撤回",
            f"The task is {TASK_STATUS_EN.get(status, status)}: only a task waiting for a screening code "
            "or for review can be withdrawn",
        )


def assignee_place(village_path: str, person: dict | None) -> str | None:
    """Where an assignment handed straight to a person sits: a grid worker's own grid, or the
    village for its cadres and secretary. None for anyone else: unknown, inactive, of another
    role, or placed outside the village. `person` is grids' placement (roles, org_path, level)."""
    if not person or not person.get("active"):
        return None
    path, roles = person["org_path"], set(person["roles"])
    if not path.startswith(village_path):
        return None
    if "grid_worker" in roles and person["level"] == "grid":
        return path
    if roles & {"village_cadre", "village_secretary"} and path == village_path:
        return village_path
    return None


@dataclass(frozen=True)
class MatterRule:
    code: str
    levels: tuple[str, ...]
    retired: bool


def levels_allowed(matter: MatterRule, target_levels: list[str]) -> bool:
    """Each target's level must be one the matter may be sent to. A township target is also
    how a village-level matter reaches all villages of a township under its control."""
    return all(
        level in matter.levels or (level == "township" and "village" in matter.levels)
        for level in target_levels
    )


def screen(
    matter: MatterRule | None,
    target_levels: list[str],
    duplicate_targets: list[int],
) -> str | None:
    """The rejection reason for a coded task, or None when it passes screening."""
    if matter is None:
        return "unknown_code"
    if matter.retired:
        return "retired_code"
    if not levels_allowed(matter, target_levels):
        return "level_not_allowed"
    if duplicate_targets:
        return "duplicate"
    return None


def village_key(path: str) -> str:
    """The part of the tree a target reaches, at village grain: a grid counts as its village."""
    ids = path.strip("/").split("/")
    return "/" + "/".join(ids[:3]) + "/" if len(ids) > 3 else path


def reach_overlaps(a: str, b: str) -> bool:
    """Two targets reach a common village: one lies under (or is) the other, at village grain
    (a township and one of its villages; a village and one of its grids; the same village)."""
    ka, kb = village_key(a), village_key(b)
    return ka.startswith(kb) or kb.startswith(ka)


def overlap_label(overlaps: list[dict]) -> str:
    """The rejection, naming the open work it would duplicate."""
    named = "；".join(f"“{o['title']}”(编号 {o['task_id']},{'、'.join(o['places'])})" for o in overlaps)
    return f"{REJECT_REASONS['duplicate']}:{named}" if overlaps else REJECT_REASONS["duplicate"]


ids_of = org_paths.ids_of  # the ids up the tree in a path: /county/township/village/grid/


# -- evidence ------------------------------------------------------------------------


def missing_evidence(required: list[str], evidence: dict) -> list[str]:
    """The kinds the matter requires that the submitted evidence lacks."""
    present = {
        "text": bool((evidence.get("text") or "").strip()),
        "photo": bool(evidence.get("photos")),
        "location": evidence.get("location") is not None,
        "attachment": bool(evidence.get("attachments")),
    }
    return [kind for kind in required if not present.get(kind, False)]


# -- time ----------------------------------------------------------------------------


local_month = china_time.month_of
local_date = china_time.china_today


def default_deadline(now: datetime, days: int) -> date:
    return local_date(now) + timedelta(days=days)


def month_shift(month: str, delta: int) -> str:
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Inclusive count of months from `start` to `end` (YYYY-MM)."""
    sy, sm = (int(x) for x in start.split("-"))
    ey, em = (int(x) for x in end.split("-"))
    return (ey * 12 + em) - (sy * 12 + sm) + 1


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of equal length just before [start, end]."""
    n = months_between(start, end)
    return month_shift(start, -n), month_shift(start, -1)


def change_pct(now: int | float, before: int | float) -> float | None:
    """Relative change in percent, None when there is nothing to compare with."""
    if not before:
        return None
    return round((now - before) * 100.0 / before, 1)


def days_between(start: datetime, end: datetime) -> float:
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return round((end - start).total_seconds() / 86400.0, 2)


# -- ledger --------------------------------------------------------------------------


def canonical(entry: dict) -> str:
    """Stable text of a ledger row: sorted keys, no spaces, UTC times. A later hash chain
    hashes exactly this."""

    def norm(value: object) -> object:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [norm(v) for v in value]
        return value

    return json.dumps(norm(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
