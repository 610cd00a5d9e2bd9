"""Rules of the procedures capability, free of any framework: what a step's evidence must
hold and which rules it must meet (quorum, majority, posting period, dates), the hash chain
of the ledgers, and the project board's deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from common.china_time import aware
from common.contracts.procedures import EVIDENCE_KINDS
from common.crypto import chain_hash

GENESIS = "0" * 64

# -- evidence and rules ------------------------------------------------------------------

EVIDENCE_LABELS = {
    "held_at": "会议时间",
    "summary": "情况说明",
    "proposals": "党员群众建议",
    "minutes": "会议记录",
    "attendance": "签到名单及人数",
    "votes": "表决结果(赞成、反对、弃权)",
    "photos": "现场照片",
    "notice": "公告及公示期",
    "attachments": "附件",
}
RETURN_REASONS = {
    "evidence_missing": "缺少佐证材料",
    "attendance_mismatch": "签到名单人数与到会人数不符",
    "quorum_not_met": "到会人数未达法定比例",
    "votes_exceed_present": "表决票数超过到会人数",
    "majority_not_reached": "赞成票未过法定多数",
    "notice_too_short": "公示期不足",
    "backdated": "佐证日期早于本步骤开始时间(不得补记)",
    "future_dated": "佐证日期晚于当前时间",
    "too_few_proposals": "建议数量不足",
}
PROCEDURE_STATUS_LABELS = {"running": "进行中", "returned": "已退回待补正", "completed": "已完成"}
STEP_STATUS_LABELS = {"waiting": "未开始", "open": "进行中", "returned": "已退回", "completed": "已完成"}


@dataclass(frozen=True)
class Failure:
    code: str
    detail: str

    @property
    def label(self) -> str:
        return RETURN_REASONS[self.code]

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "detail": self.detail}


def ratio(text: str) -> Fraction:
    """'2/3' -> Fraction(2, 3); refuses anything outside (0, 1]."""
    value = Fraction(text)
    if not 0 < value <= 1:
        raise ValueError(f"比例必须在 0 与 1 之间:{text}")
    return value


def _reaches(count: int, base: int, rule: dict) -> bool:
    """count/base meets `rule` ({"ratio": "1/2", "strict": true} = more than half)."""
    needed = ratio(rule["ratio"]) * base
    return count > needed if rule.get("strict", False) else count >= needed


def _quorum_phrase(rule: dict) -> str:
    words = {"1/2": "二分之一", "2/3": "三分之二", "4/5": "五分之四", "3/4": "四分之三"}
    word = words.get(rule["ratio"], rule["ratio"])
    return f"{word}{'以上(不含本数)' if rule.get('strict') else '以上'}"


_aware = aware  # naive as UTC (common/china_time)


def _present(kind: str, evidence: dict) -> bool:
    value = evidence.get(kind)
    if kind == "summary":
        return bool((value or "").strip())
    if kind in ("held_at", "attendance", "votes", "notice"):
        return value is not None
    return bool(value)


def check_step(step: dict, evidence: dict, opened_at: datetime, now: datetime) -> list[Failure]:
    """Everything wrong with `evidence` for a template `step`; empty when the step may complete.

    `step` = {"evidence": [kinds], "rules": {"quorum": {...}, "majority": {"of": "entitled" |
    "present", ...}, "notice_days": N, "min_proposals": N}}. Dates are checked against the
    server's clock: nothing before the step opened (no back-filling), nothing in the future.
    """
    failures: list[Failure] = []
    missing = [k for k in step.get("evidence", []) if not _present(k, evidence)]
    if missing:
        failures.append(Failure("evidence_missing", "、".join(EVIDENCE_LABELS[k] for k in missing)))
    opened_at, now = _aware(opened_at), _aware(now)
    for label, moment in _dates(evidence):
        moment = _aware(moment)
        if moment < opened_at:
            failures.append(Failure("backdated", f"{label}早于本步骤开始时间"))
        elif moment > now:
            failures.append(Failure("future_dated", f"{label}晚于当前时间"))
    rules = step.get("rules", {})
    if "min_proposals" in rules and _present("proposals", evidence):
        if len(evidence["proposals"]) < rules["min_proposals"]:
            failures.append(Failure("too_few_proposals", f"至少需要 {rules['min_proposals']} 条建议"))
    attendance = evidence.get("attendance")
    if attendance is not None:
        entitled, present = attendance["entitled"], attendance["present"]
        names = attendance.get("names") or []
        if len(names) != present:
            failures.append(Failure("attendance_mismatch", f"签到 {len(names)} 人,填报到会 {present} 人"))
        if present > entitled:
            failures.append(Failure("attendance_mismatch", f"到会 {present} 人超过应到 {entitled} 人"))
        elif "quorum" in rules and not _reaches(present, entitled, rules["quorum"]):
            failures.append(
                Failure(
                    "quorum_not_met",
                    f"应到 {entitled} 人,实到 {present} 人,须达到{_quorum_phrase(rules['quorum'])}",
                )
            )
        votes = evidence.get("votes")
        if votes is not None:
            cast = votes["for"] + votes["against"] + votes["abstain"]
            if cast > present:
                failures.append(Failure("votes_exceed_present", f"表决 {cast} 票,到会 {present} 人"))
            elif "majority" in rules:
                majority = rules["majority"]
                base = entitled if majority.get("of", "entitled") == "entitled" else present
                if not _reaches(votes["for"], base, majority):
                    whom = "应到人数" if majority.get("of", "entitled") == "entitled" else "到会人数"
                    failures.append(
                        Failure(
                            "majority_not_reached",
                            f"赞成 {votes['for']} 票,须超过{whom}({base})的{_quorum_phrase(majority)}",
                        )
                    )
    notice = evidence.get("notice")
    if notice is not None and "notice_days" in rules:
        period = _aware(notice["until"]) - _aware(notice["posted_at"])
        if period < timedelta(days=rules["notice_days"]):
            days = round(period.total_seconds() / 86400, 1)
            failures.append(Failure("notice_too_short", f"公示 {days} 天,不少于 {rules['notice_days']} 天"))
    return failures


def _dates(evidence: dict) -> list[tuple[str, datetime]]:
    found = []
    if evidence.get("held_at") is not None:
        found.append(("会议时间", evidence["held_at"]))
    if evidence.get("notice") is not None:
        found.append(("公示张贴时间", evidence["notice"]["posted_at"]))
    return found


def validate_steps(steps: list[dict]) -> dict[str, list[str]]:
    """Errors in a template's steps (by step position); empty when it is usable."""
    errors: dict[str, list[str]] = {}
    keys = [s["key"] for s in steps]
    if len(set(keys)) != len(keys):
        errors["steps"] = ["步骤标识不能重复"]
    for n, step in enumerate(steps):
        problems = [f"未知佐证类型:{k}" for k in step.get("evidence", []) if k not in EVIDENCE_KINDS]
        rules = step.get("rules", {})
        for name in ("quorum", "majority"):
            if name in rules:
                try:
                    ratio(rules[name]["ratio"])
                except (KeyError, ValueError, ZeroDivisionError):
                    problems.append(f"{name} 比例无效")
        if ("quorum" in rules or "majority" in rules) and "attendance" not in step.get("evidence", []):
            problems.append("有到会或表决规则的步骤必须要求签到名单")
        if "majority" in rules and "votes" not in step.get("evidence", []):
            problems.append("有表决规则的步骤必须要求表决结果")
        if "notice_days" in rules and "notice" not in step.get("evidence", []):
            problems.append("有公示期规则的步骤必须要求公告")
        if not step.get("roles"):
            problems.append("每个步骤须指定可办理的角色")
        if problems:
            errors[str(n)] = problems
    return errors


# -- the ledger chain ----------------------------------------------------------------------


def chain_key(org_path: str) -> str:
    """Ledgers are chained per village: a grid's rows join its village's chain; rows above
    village level (a township's, the county's) form their own chain at that place."""
    parts = [p for p in org_path.strip("/").split("/") if p]
    return "/" + "/".join(parts[:3]) + "/" if parts else "/"


def entry_hash(prev_hash: str, content: str, alg: str = "sha256") -> str:
    """hash(prev_hash ‖ content) with the digest the row records (SM3 or SHA-256)."""
    return chain_hash(prev_hash, content, alg)


@dataclass(frozen=True)
class Link:
    id: int
    seq: int | None
    content: str
    recomputed: str  # the canonical content rebuilt from the row's columns
    prev_hash: str | None
    hash: str | None
    alg: str | None = "sha256"  # the row's recorded digest; rows from before SM3 have none


BREAK_LABELS = {
    "content_mismatch": "记录内容与其规范文本不一致(字段被改动)",
    "hash_mismatch": "记录哈希与内容不符(内容或哈希被改动)",
    "prev_mismatch": "前一哈希与上一条记录不符(记录被删除、插入或改动)",
    "seq_gap": "序号不连续(记录被删除或插入)",
    "unchained": "链开始后出现未入链的记录",
    "head_mismatch": "链尾与登记的最新哈希不符(末尾记录被删除或改动)",
}


def verify_chain(links: list[Link], head_hash: str | None, head_seq: int | None) -> dict | None:
    """The first broken link of one chain (in seq order), or None when it is intact.
    Rows from before chaining began (no hash, at the start) are tolerated."""
    prev = GENESIS
    started = False
    expected_seq = 1
    for link in links:
        if link.hash is None:
            if started:
                return {"id": link.id, "seq": link.seq, "reason": "unchained"}
            continue
        started = True
        if link.seq != expected_seq:
            return {"id": link.id, "seq": link.seq, "reason": "seq_gap"}
        if link.content != link.recomputed:
            return {"id": link.id, "seq": link.seq, "reason": "content_mismatch"}
        if link.prev_hash != prev:
            return {"id": link.id, "seq": link.seq, "reason": "prev_mismatch"}
        if entry_hash(link.prev_hash, link.content, link.alg or "sha256") != link.hash:
            return {"id": link.id, "seq": link.seq, "reason": "hash_mismatch"}
        prev = link.hash
        expected_seq += 1
    if head_hash is not None and (head_hash != prev or head_seq != expected_seq - 1):
        return {"id": None, "seq": head_seq, "reason": "head_mismatch"}
    return None


# -- project board -------------------------------------------------------------------------

PROJECT_STATUS_LABELS = {"open": "竞榜中", "awarded": "已揭榜", "cancelled": "已撤榜"}


def bidding_open(deadline: datetime, now: datetime) -> bool:
    return _aware(now) <= _aware(deadline)
