"""Write the table "who is told of what" in docs/architecture.md from notify's rule table
(services/notify/rules.py), between its two markers. `--check` fails when it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.notify.rules import ROLE_LABELS, RULES  # noqa: E402

DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- notify-rules:start -->", "<!-- notify-rules:end -->"
PLACES = {
    "grid": "the grid's",
    "village": "the village's",
    "township": "the township's",
    "department": "the department's",
}
GRID_KEYS = {
    "grid_workers": "grid workers",
    "cadres": "cadres",
    "village_secretaries": "village secretaries",
    "team_cadres": "team cadres",
}


def _source(source: str) -> str:
    level, _, what = source.partition(":")
    what, _, field = what.partition("@")
    label = GRID_KEYS.get(what) or f"{what} ({ROLE_LABELS.get(what, what)})"
    where = f"of the units in `{field}`" if field else PLACES[level]
    return f"{label}, {where}" if field else f"{where} {label}"


def _who(rule: dict) -> str:
    parts = []
    if rule.get("people"):
        parts.append("the people in " + ", ".join(f"`{f}`" for f in rule["people"]))
    parts += [_source(s) for s in rule.get("roles", [])]
    if rule.get("fallback"):
        parts.append("else " + ", ".join(_source(s) for s in rule["fallback"]))
    if rule.get("skip_actor", True):
        parts.append("not the one who did it")
    return "; ".join(parts)


def table() -> str:
    lines = [
        "| event (pattern) | when | inbox kind | who is told | title |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in RULES:
        when = ", ".join(f"`{k}` ∈ {', '.join(v)}" for k, v in rule.get("when", {}).items()) or "always"
        lines.append(f"| `{rule['on']}` | {when} | `{rule['kind']}` | {_who(rule)} | {rule['title']} |")
    return "\n".join(lines)


def render(doc: str) -> str:
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if wanted == current else "docs/architecture.md: run python scripts/gen_notify_table.py")
    DOC.write_text(wanted, encoding="utf-8")
