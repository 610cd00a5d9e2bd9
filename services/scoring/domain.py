"""Pure scoring rules: events → indicator facts, measures → indicators → indices,
normalisation, grid colours, ranks and periods. No database, no bus.

A *fact* is one contribution of one event to one measure of one entity (member, grid,
village) in one month. Measures are summed per (entity, measure, month) into totals
(`total` = Σ value, `count` = number of facts). Indicators are formulas over those
totals (ratio, mean, sum), normalised to 0..1; an index is 100 × the weighted mean of
the normalised indicators that have a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from common import china_time
from common.org_paths import path_ids as path_ids
from common.org_paths import place_of as place_of

if TYPE_CHECKING:  # the formulas' loader; this module stays free of it at run time
    from services.scoring.config import ScoringConfig


ENTITY_KINDS = ["member", "grid", "village", "team", "township", "county"]
ENTITY_LABELS = {
    "member": "党员",
    "grid": "网格",
    "village": "村",
    "team": "组团",
    "township": "乡镇",
    "county": "县",
    "cadre": "村两委干部",
}
MEASURES = [
    "households_due",
    "visits",
    "visits_on_time",
    "visit_rating",
    "needs_raised",
    "matters_reported",
    "matters_resolved",
    "quick_resolved",
    "assisted_opened",
    "assisted_resolved",
    "days_to_close",
    "matter_rating",
    "dispatch_opened",
    "dispatch_resolved",
    "tasks_due",
    "tasks_done",
    "tasks_on_time",
    "tasks_overdue",
]
FORMULA_ARITY = {"ratio": 2, "mean": 1, "sum": 1}
NORMALISATIONS = ["target", "lower_better", "range"]
COLOURS = {"green": "绿", "yellow": "黄", "red": "红", "grey": "灰（无数据）"}
NO_DATA = "grey"  # a grid with no score this period: shown, never counted as red

# The events scoring consumes: (service, name). Their facts come from `facts_for`.
CONSUMED = [
    ("tasks", "visit_list.issued"),
    ("tasks", "visit.recorded"),
    ("tasks", "visit.rated"),
    ("tasks", "matter.reported"),
    ("tasks", "matter.escalated"),
    ("tasks", "matter.dispatched"),
    ("tasks", "matter.resolved"),
    ("tasks", "matter.rated"),
    ("tasks", "task.dispatched"),
    ("tasks", "assignment.accepted"),
    ("tasks", "assignment.overdue"),
]


@dataclass(frozen=True)
class Fact:
    entity_kind: str
    entity_id: int
    measure: str
    value: float
    org_path: str


# -- periods ---------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def month_of(time_text: str) -> str:
    """The local (China) month `YYYY-MM` of an ISO 8601 time."""
    return china_time.month_of(datetime.fromisoformat(time_text.replace("Z", "+00:00")))


def months_of(period: str) -> list[str]:
    """`2026-11` → that month; `2026-Q4` → its three months; `2026` → twelve. ValueError otherwise."""
    if m := _MONTH.match(period):
        return [period]
    if m := _QUARTER.match(period):
        year, q = m.group(1), int(m.group(2))
        return [f"{year}-{month:02d}" for month in range(3 * q - 2, 3 * q + 1)]
    if m := _YEAR.match(period):
        return [f"{m.group(1)}-{month:02d}" for month in range(1, 13)]
    raise ValueError(period)


def previous_period(period: str) -> str:
    if m := _MONTH.match(period):
        year, month = int(m.group(1)), int(m.group(2))
        return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    if m := _QUARTER.match(period):
        year, q = int(m.group(1)), int(m.group(2))
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    if m := _YEAR.match(period):
        return str(int(m.group(1)) - 1)
    raise ValueError(period)


# -- org paths -------------------------------------------------------------------------


def fact_village(fact: Fact) -> int | None:
    """The village a fact counts towards: the village itself, or the one on its path."""
    return fact.entity_id if fact.entity_kind == "village" else place_of(fact.org_path)["village_id"]


def path_to(org_path: str, unit_id: int, parent_id: int | None = None) -> str:
    """The org path of `unit_id`, cut from an event's `orgpath` (or extended from its parent)."""
    ids = path_ids(org_path)
    if unit_id in ids:
        return "/" + "/".join(str(i) for i in ids[: ids.index(unit_id) + 1]) + "/"
    if parent_id is not None and parent_id in ids:
        return path_to(org_path, parent_id) + f"{unit_id}/"
    if ids and len(ids) <= 2:  # county or township path: the unit hangs below it
        return org_path if org_path.endswith("/") else org_path + "/"
    return org_path


# -- events → facts --------------------------------------------------------------------


def facts_for(event: dict) -> tuple[str, list[Fact]]:
    """The month an event counts in and the facts it contributes."""
    etype = event["type"]
    data = event.get("data") or {}
    name = etype.split(".", 2)[2].rsplit(".", 1)[0]  # grassroots.tasks.<name>.v1
    orgpath = event.get("orgpath") or ""
    month = data.get("month") or month_of(event["time"])
    village_id, grid_id = data.get("village_id"), data.get("grid_id")
    village_path = path_to(orgpath, village_id, data.get("township_id")) if village_id else ""
    grid_path = path_to(orgpath, grid_id, village_id) if grid_id else ""
    facts: list[Fact] = []

    def place(measure: str, value: float, member: bool = False, grid: bool = True) -> None:
        if member and data.get("member_id"):
            facts.append(
                Fact("member", int(data["member_id"]), measure, value, grid_path or village_path or orgpath)
            )
        if grid and grid_id:
            facts.append(Fact("grid", int(grid_id), measure, value, grid_path))
        if village_id:
            facts.append(Fact("village", int(village_id), measure, value, village_path))

    if name == "visit_list.issued":
        place("households_due", float(data["households"]), member=True)
    elif name == "visit.recorded":
        place("visits", 1.0, member=True)
        if data.get("on_time"):
            place("visits_on_time", 1.0, member=True)
        if data.get("needs_raised"):
            place("needs_raised", float(data["needs_raised"]), member=True)
    elif name == "visit.rated":
        place("visit_rating", float(data["rating"]), member=True)
    elif name == "matter.reported":
        place("matters_reported", 1.0)
    elif name == "matter.escalated":
        if data.get("level") == "village":
            place("assisted_opened", 1.0)
    elif name == "matter.dispatched":
        place("dispatch_opened", 1.0)
    elif name == "matter.resolved":
        place("matters_resolved", 1.0)
        level_measure = {
            "grid": "quick_resolved",
            "village": "assisted_resolved",
            "department": "dispatch_resolved",
        }
        if data.get("level") in level_measure:
            place(level_measure[data["level"]], 1.0)
        if data.get("days_to_close") is not None:
            place("days_to_close", float(data["days_to_close"]))
    elif name == "matter.rated":
        if data.get("rating") is not None:
            place("matter_rating", float(data["rating"]))
    elif name == "task.dispatched":
        for vid in data.get("village_ids") or []:
            facts.append(
                Fact(
                    "village", int(vid), "tasks_due", 1.0, path_to(orgpath, int(vid), data.get("township_id"))
                )
            )
    elif name == "assignment.accepted":
        place("tasks_done", 1.0, grid=False)
        if data.get("on_time"):
            place("tasks_on_time", 1.0, grid=False)
    elif name == "assignment.overdue":
        place("tasks_overdue", 1.0, grid=False)
    return month, facts


# -- measures → indicators → indices ---------------------------------------------------

Totals = dict[str, tuple[float, int]]  # measure -> (total, count)


def indicator_raw(spec: dict, totals: Totals) -> float | None:
    measures = spec["measures"]
    if spec.get("requires") and totals.get(spec["requires"], (0.0, 0))[1] == 0:
        return None
    if spec["formula"] == "ratio":
        numerator = totals.get(measures[0], (0.0, 0))[0]
        denominator = totals.get(measures[1], (0.0, 0))[0]
        return None if denominator == 0 else numerator / denominator
    if spec["formula"] == "mean":
        total, count = totals.get(measures[0], (0.0, 0))
        return None if count == 0 else total / count
    return totals.get(measures[0], (0.0, 0))[0]  # sum


def normalise(spec: dict, raw: float | None) -> float | None:
    if raw is None:
        return None
    method = spec["method"]
    if method == "target":
        value = raw / spec["target"]
    elif method == "lower_better":
        value = (spec["worst"] - raw) / (spec["worst"] - spec["best"])
    else:  # range
        value = (raw - spec["min"]) / (spec["max"] - spec["min"])
    return min(max(value, 0.0), 1.0)


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def weighted(items: list[dict]) -> tuple[float | None, list[dict]]:
    """items: {name, weight, normalised, ...}; those without a value are left out and the
    rest re-weighted. Returns (score 0..100 or None, items with effective weight and contribution)."""
    present = sum(item["weight"] for item in items if item["normalised"] is not None)
    score = 0.0
    parts = []
    for item in items:
        shown = {**item, "raw": _r(item["raw"]), "normalised": _r(item["normalised"])}
        if item["normalised"] is None or present == 0:
            parts.append(
                {**shown, "effective_weight": 0.0, "contribution": 0.0, "no_data": item["normalised"] is None}
            )
            continue
        effective = item["weight"] / present
        contribution = 100.0 * effective * item["normalised"]
        score += contribution
        parts.append(
            {**shown, "effective_weight": _r(effective), "contribution": _r(contribution), "no_data": False}
        )
    if present == 0:
        return None, parts
    return _r(score), parts


def indicator_parts(config: ScoringConfig, names_weights: dict[str, float], totals: Totals) -> list[dict]:
    parts = []
    for name, weight in names_weights.items():
        spec = config.indicators[name]
        raw = indicator_raw(spec, totals)
        normalised = normalise(spec["normalisation"], raw)
        parts.append(
            {
                "name": name,
                "label": spec["label"],
                "group": spec["group"],
                "group_label": config.raw["groups"][spec["group"]],
                "raw": raw,
                "normalised": normalised,
                "weight": weight,
                "measures": list(spec["measures"]),
            }
        )
    return parts


def index_score(config: ScoringConfig, index: str, totals: Totals) -> tuple[float | None, list[dict]]:
    """pioneer / fortress / service: the weighted indicators of one entity's totals."""
    return weighted(indicator_parts(config, config.indices[index]["weights"], totals))


def lead_goose_score(config: ScoringConfig, totals: Totals) -> tuple[float | None, list[dict]]:
    """Six dimensions, each the mean of its normalised indicators that have a value."""
    items = []
    for name, dim in config.indices["lead_goose"]["dimensions"].items():
        inner = indicator_parts(config, dict.fromkeys(dim["indicators"], 1.0), totals)
        values = [p["normalised"] for p in inner if p["normalised"] is not None]
        inner = [
            {**p, "raw": _r(p["raw"]), "normalised": _r(p["normalised"]), "no_data": p["normalised"] is None}
            for p in inner
        ]
        items.append(
            {
                "name": name,
                "label": dim["label"],
                "weight": dim["weight"],
                "normalised": sum(values) / len(values) if values else None,
                "raw": sum(values) / len(values) if values else None,
                "indicators": inner,
            }
        )
    return weighted(items)


def composite_score(
    config: ScoringConfig, components: dict[str, float | None]
) -> tuple[float | None, list[dict]]:
    """三联指数: the weighted mean of the component indices (each 0..100)."""
    items = []
    for name, weight in config.indices["three_links"]["components"].items():
        value = components.get(name)
        items.append(
            {
                "name": name,
                "label": config.index_label(name),
                "weight": weight,
                "raw": value,
                "normalised": None if value is None else value / 100.0,
            }
        )
    return weighted(items)


def mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return _r(sum(present) / len(present)) if present else None


def colour(thresholds: dict, value: float | None) -> str | None:
    if value is None:
        return None
    if value >= thresholds["green"]:
        return "green"
    return "yellow" if value >= thresholds["yellow"] else "red"


def no_data_labels(parts: list[dict]) -> list[str]:
    """Labels of the indicators (or components) that had no data, left out of the score."""
    labels = []
    for part in parts:
        inner = part.get("indicators")
        if inner:
            labels += [i["label"] for i in inner if i.get("no_data")]
        elif part.get("no_data"):
            labels.append(part["label"])
    return list(dict.fromkeys(labels))


def shown_colour(stored: str | None) -> str:
    """The colour a grid is shown in: its stored colour, or grey when it has no data."""
    return stored or NO_DATA


def honour_and_warning(items: list[dict], size: int) -> tuple[list[dict], list[dict]]:
    """红榜 and 黑榜 from ranked items (best first, each with a `value`): the top and the
    bottom N, N at most half of those ranked, so no entity stands on both; an entity tied
    with the honour list's last value is not put on the warning list."""
    n = min(size, len(items) // 2)
    if n == 0:
        return [], []
    honour = items[:n]
    lowest_honoured = honour[-1]["value"]
    warning = [i for i in reversed(items[-n:]) if i["value"] < lowest_honoured]
    return honour, warning


def ranked(rows: list[tuple[int, float]]) -> list[tuple[int, float, int]]:
    """(entity_id, value) → (entity_id, value, rank), best first; ties share a rank (1, 2, 2, 4)."""
    ordered = sorted((r for r in rows if r[1] is not None), key=lambda r: (-r[1], r[0]))
    result, rank, last = [], 0, None
    for position, (entity_id, value) in enumerate(ordered, start=1):
        if value != last:
            rank, last = position, value
        result.append((entity_id, value, rank))
    return result


# -- the same numbers without the explanation (the hot paths) ---------------------------
# Each function below gives exactly the value of its explained twin above (same operations
# in the same order, so the same floats); tests/unit/test_scoring_formulas.py checks it.


def _compiled(config: ScoringConfig) -> dict:
    """Per-configuration lists the value functions walk (kept on the config object)."""
    cached = getattr(config, "_compiled", None)
    if cached is None:
        indices = config.indices
        cached = {
            "indicators": {name: (spec, spec["normalisation"]) for name, spec in config.indicators.items()},
            "weights": {
                index: list(indices[index]["weights"].items()) for index in ("pioneer", "fortress", "service")
            },
            "dimensions": [
                (dim["weight"], list(dict.fromkeys(dim["indicators"])))
                for dim in indices["lead_goose"]["dimensions"].values()
            ],
            "components": list(indices["three_links"]["components"].items()),
        }
        object.__setattr__(config, "_compiled", cached)
    return cached


def normalised_indicators(
    config: ScoringConfig, totals: Totals, names: Iterable[str]
) -> dict[str, float | None]:
    specs = _compiled(config)["indicators"]
    out = {}
    for name in names:
        spec, norm = specs[name]
        out[name] = normalise(norm, indicator_raw(spec, totals))
    return out


def weighted_value(pairs: list[tuple[float, float | None]]) -> float | None:
    """`weighted(...)[0]` from (weight, normalised) pairs."""
    present = sum(weight for weight, value in pairs if value is not None)
    if present == 0:
        return None
    score = 0.0
    for weight, value in pairs:
        if value is not None:
            score += 100.0 * (weight / present) * value
    return _r(score)


def index_value(config: ScoringConfig, index: str, norms: dict[str, float | None]) -> float | None:
    """`index_score(config, index, totals)[0]`, from `normalised_indicators` of those totals."""
    return weighted_value([(weight, norms[name]) for name, weight in _compiled(config)["weights"][index]])


def lead_goose_value(config: ScoringConfig, norms: dict[str, float | None]) -> float | None:
    """`lead_goose_score(config, totals)[0]`."""
    pairs = []
    for weight, names in _compiled(config)["dimensions"]:
        values = [v for n in names if (v := norms[n]) is not None]
        pairs.append((weight, sum(values) / len(values) if values else None))
    return weighted_value(pairs)


def composite_value(config: ScoringConfig, components: dict[str, float | None]) -> float | None:
    """`composite_score(config, components)[0]`."""
    pairs = []
    for name, weight in _compiled(config)["components"]:
        value = components.get(name)
        pairs.append((weight, None if value is None else value / 100.0))
    return weighted_value(pairs)


def top_rating_raw(config: ScoringConfig, totals: Totals) -> float | None:
    """The shown (rounded) raw 群众满意度 of a member, as the praise rule reads it."""
    spec, _ = _compiled(config)["indicators"]["household_satisfaction"]
    return _r(indicator_raw(spec, totals))
