"""Pure arithmetic of the article figures: periods, changes, and the report's rows."""

from __future__ import annotations

from common import roles

ROLES = roles.FIGURE_READERS


def change(now: float | None, before: float | None) -> float | None:
    """Relative change as a fraction (-0.3 is a fall of 30 %); None with nothing to compare."""
    if now is None or not before:
        return None
    return round((now - before) / before, 4)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: object) -> str:
    return "—" if value is None else str(value)


def report_rows(f: dict) -> list[list[str]]:
    """(指标, 本期, 上期, 变化) for the spreadsheet, in the articles' words."""
    t, h, s = f["tasks_to_villages"], f["hard_matters"], f["small_matters"]
    return [
        ["过筛驳回事项(件次)", _num(f["screening_rejections"]), "", ""],
        ["下村进社任务(单)", _num(t["now"]), _num(t["before"]), _pct(t["change"])],
        ["难事办结率", _pct(h["now"]["completion_rate"]), _pct(h["before"]["completion_rate"]), ""],
        [
            "难事平均办结天数",
            _num(h["now"]["avg_days_to_close"]),
            _num(h["before"]["avg_days_to_close"]),
            "",
        ],
        [
            "小微事项上报率",
            _pct(s["now"]["escalation_rate"]),
            _pct(s["before"]["escalation_rate"]),
            _pct(s["change"]),
        ],
        ["点兵点将解决事项(件)", _num(f["department_dispatch_resolved"]), "", ""],
        ["规范执行“五议两公开”(件)", _num(f["procedures_completed"].get("WYLGK", 0)), "", ""],
        ["村务联席会议(件)", _num(f["procedures_completed"].get("LXHY", 0)), "", ""],
    ]
