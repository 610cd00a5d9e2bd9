"""One alert message per person per check (月中/月末预警): every member, grid and village
that person answers for and that lags, by name and with its rate, instead of one line
per lagging subject. Pure: names come in from the look-ups."""

from __future__ import annotations

from dataclasses import dataclass

SUBJECT_LABELS = {"member": "联户党员", "grid": "网格", "village": "村"}
MEASURE_LABELS = {"low_visit_rate": "走访率", "low_completion_rate": "事项办结率"}
PHASE_LABELS = {"mid": "月中", "end": "月末"}
MAX_TITLE_PLACES = 2


@dataclass(frozen=True)
class Lagging:
    alert_id: int
    kind: str  # low_visit_rate | low_completion_rate
    subject_kind: str  # member | grid | village
    subject_id: int
    name: str
    village_name: str
    value: float  # a fraction, 0..1
    threshold: float
    part: int
    whole: int
    path: str = ""  # the subject's org path

    def line(self) -> str:
        where = "" if self.subject_kind == "village" or not self.village_name else f"（{self.village_name}）"
        return (
            f"{SUBJECT_LABELS[self.subject_kind]}{self.name}{where}{MEASURE_LABELS[self.kind]}"
            f" {self.value:.0%}（{self.part}/{self.whole}），低于 {self.threshold:.0%}"
        )

    def item(self) -> dict:
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "subject_kind": self.subject_kind,
            "subject_id": self.subject_id,
            "name": self.name,
            "value": self.value,
            "threshold": self.threshold,
            "part": self.part,
            "whole": self.whole,
        }


_ORDER = {"village": 0, "grid": 1, "member": 2}


def digest(month: str, phase: str, lagging: list[Lagging]) -> tuple[str, str]:
    """(title, message) of one person's alert: what happened and where in the title, then
    one line per lagging subject, villages first, the lowest rate first."""
    ordered = sorted(lagging, key=lambda x: (_ORDER[x.subject_kind], x.kind, x.value, x.name))
    places = list(dict.fromkeys(x.village_name for x in ordered if x.village_name))
    where = "、".join(places[:MAX_TITLE_PLACES]) + ("等" if len(places) > MAX_TITLE_PLACES else "")
    measures = "、".join(dict.fromkeys(MEASURE_LABELS[x.kind] for x in ordered))
    title = f"{month} {PHASE_LABELS[phase]}预警：{where}{measures}偏低（{len(ordered)} 项）"
    body = "\n".join(f"{i}. {x.line()}" for i, x in enumerate(ordered, start=1))
    return title[:200], body


def recipients(subject_kind: str, subject_id: int, workers, cadres, secretaries) -> list[int]:
    """Who must act on a lagging subject: the member, their grid worker and secretary; a
    grid's worker, cadres and secretary; a village's secretary."""
    if subject_kind == "member":
        people = [subject_id, *workers, *secretaries]
    elif subject_kind == "grid":
        people = [*workers, *cadres, *secretaries]
    else:
        people = list(secretaries)
    return list(dict.fromkeys(people))
