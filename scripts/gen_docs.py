"""Regenerate the marked regions of docs/architecture.md and README.md from the code.

    python scripts/gen_docs.py          # rewrite every region
    python scripts/gen_docs.py --check  # exit 1 with a diff when a region is stale

A region sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; what is
between the markers is replaced, the rest of the file is left alone. The regions and what
they are read from:

- `events` (architecture): the event catalogue (`common.contracts.events.CATALOGUE`) with
  the handlers that consume each type, read from the services' entrypoints;
- `queues` (architecture): every event consumer's queue, its bindings and durability, from
  the `@on_event` / `@on_events` declarations (`common.consumer`, `services.notify.consumer`);
- `timers` (architecture): every nameko timer, its interval and its docstring;
- `notify-rules` (architecture): notify's rule table (`services/notify/rules.py`);
- `settings`, `nameko-settings` (README): the settings registry (`common/settings.py`).

`docs/asyncapi.yaml` has its own generator, `scripts/gen_asyncapi.py`.
`tests/unit/test_docs_generated.py` fails when a region is stale.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from nameko.timer import Timer  # noqa: E402

from common import settings  # noqa: E402
from common.consumer import CloudEventHandler  # noqa: E402
from common.contracts.events import CATALOGUE  # noqa: E402
from services.notify import domain as notify_domain  # noqa: E402
from services.notify.consumer import MultiEventHandler  # noqa: E402
from services.notify.rules import ROLE_LABELS, RULES  # noqa: E402

ARCHITECTURE = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"
CONSOLE_ROLES = ROOT / "console" / "src" / "roles.js"


def service_classes() -> list[type]:
    """The five nameko services, in the order the docs describe them."""
    from gateway.service import GatewayService
    from services.grids.service import GridsService
    from services.notify.service import NotifyService
    from services.scoring.service import ScoringService
    from services.tasks.service import TasksService

    return [GridsService, TasksService, ScoringService, NotifyService, GatewayService]


@dataclass(frozen=True)
class Entry:
    service: str
    method: str
    extension: object
    doc: str


def entrypoints(kind: type) -> list[Entry]:
    """Every entrypoint of `kind` declared on the services, in source order per service."""
    found = []
    for cls in service_classes():
        members = []
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            for ext in getattr(fn, "nameko_entrypoints", ()):
                if isinstance(ext, kind):
                    line = inspect.getsourcelines(fn)[1]
                    file = inspect.getsourcefile(fn) or ""
                    doc = " ".join((inspect.getdoc(fn) or "—").split())
                    members.append(((file, line), Entry(cls.name, name, ext, doc)))
        found += [e for _, e in sorted(members, key=lambda m: m[0])]
    return found


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _inbox_kinds(type_: str) -> list[str]:
    kinds: list[str] = []
    for rule in notify_domain.load_rules():
        if notify_domain.topic_matches(rule.on, type_) and rule.kind not in kinds:
            kinds.append(rule.kind)
    return kinds


# -- events ---------------------------------------------------------------------------------


def consumers_of(type_: str) -> list[str]:
    out = []
    for e in entrypoints(CloudEventHandler):
        ext = e.extension
        assert isinstance(ext, CloudEventHandler)
        if ext.cloudevent_type == type_:
            out.append(f"{e.service} `{e.method}`" + (" (broadcast)" if ext.broadcast else ""))
    for e in entrypoints(MultiEventHandler):
        ext = e.extension
        assert isinstance(ext, MultiEventHandler)
        if ext.patterns == ["#"]:
            continue  # every type: said once above the table
        if any(notify_domain.topic_matches(p, type_) for p in ext.patterns):
            kinds = _inbox_kinds(type_)
            what = f" (inbox: {', '.join(f'`{k}`' for k in kinds)})" if kinds else ""
            out.append(f"{e.service} `{e.method}`{what}")
    return out


def events() -> str:
    everything = [
        f"{e.service} `{e.method}`"
        for e in entrypoints(MultiEventHandler)
        if isinstance(e.extension, MultiEventHandler) and e.extension.patterns == ["#"]
    ]
    head = (
        f"{len(CATALOGUE)} types. Besides the consumers listed, {' and '.join(everything)} "
        "receives every type (`#`).\n\n"
    )
    rows = [
        [f"`{type_}`", spec.summary, "; ".join(consumers_of(type_)) or "—"]
        for type_, spec in CATALOGUE.items()
    ]
    return head + _table(["type", "what happened", "consumed by"], rows)


# -- queues ---------------------------------------------------------------------------------


def queues() -> str:
    rows = []
    for e in entrypoints(CloudEventHandler):
        ext = e.extension
        assert isinstance(ext, CloudEventHandler)
        name = ext.queue_name(e.service, e.method)
        if ext.broadcast:
            rows.append(
                [
                    f"`{name}-<12 hex>`",
                    f"`{ext.cloudevent_type}`",
                    f"{e.service} `{e.method}`",
                    "one per process: exclusive, auto-delete",
                    e.doc,
                ]
            )
        else:
            rows.append(
                [f"`{name}`", f"`{ext.cloudevent_type}`", f"{e.service} `{e.method}`", "durable", e.doc]
            )
    for e in entrypoints(MultiEventHandler):
        ext = e.extension
        assert isinstance(ext, MultiEventHandler)
        bound = ", ".join(f"`{p}`" for p in ext.patterns)
        if len(ext.patterns) > 1:
            bound = f"{len(ext.patterns)} patterns: {bound}"
        rows.append(
            [f"`{ext.queue_name(e.service, e.method)}`", bound, f"{e.service} `{e.method}`", "durable", e.doc]
        )
    return _table(["queue", "bound to", "handler", "kept", "does"], rows)


# -- timers ---------------------------------------------------------------------------------


def _interval(ext: Timer) -> str:
    seconds = f"{ext.interval:g} s"
    key = getattr(ext, "config_key", None)
    return f"`{key}` ({seconds})" if key else seconds


def timers() -> str:
    rows = [[e.service, f"`{e.method}`", _interval(e.extension), e.doc] for e in entrypoints(Timer)]  # type: ignore[arg-type]
    return _table(["service", "timer", "every", "does"], rows)


# -- notify's rule table (who is told of what) ------------------------------------------------

PLACES = {
    "grid": "the grid's",
    "village": "the village's",
    "township": "the township's",
    "county": "the county's",
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


def notify_rules() -> str:
    rows = []
    for rule in RULES:
        when = (
            ", ".join(
                f"`{k}` ∈ {', '.join('none' if x is None else str(x) for x in v)}"
                for k, v in rule.get("when", {}).items()
            )
            or "always"
        )
        rows.append([f"`{rule['on']}`", when, f"`{rule['kind']}`", _who(rule), rule["title"]])
    return _table(["event (pattern)", "when", "inbox kind", "who is told", "title"], rows)


# -- settings -------------------------------------------------------------------------------


def _settings(where: set[str]) -> str:
    rows = [
        [", ".join(f"`{n}`" for n in s.names), s.default, s.meaning]
        for s in settings.SETTINGS
        if s.where in where
    ]
    return _table(["variable", "default", "meaning"], rows)


# -- roles (the console's copy of common.roles) --------------------------------------------


def console_roles() -> str:
    """JavaScript between `// <!-- generated:roles -->` and `// <!-- /generated:roles -->`."""
    from common import roles

    labels = "".join(f"  {r}: '{roles.label(r)}',\n" for r in roles.ROLES)
    groups = "".join(
        f"  {name}: [{', '.join(repr(r) for r in members)}],\n" for name, members in roles.GROUPS.items()
    )
    return f"export const ROLE_LABELS = {{\n{labels}}}\nexport const GROUPS = {{\n{groups}}}"


REGIONS: dict[Path, dict[str, Callable[[], str]]] = {
    ARCHITECTURE: {"events": events, "queues": queues, "timers": timers, "notify-rules": notify_rules},
    CONSOLE_ROLES: {"roles": console_roles},
    README: {
        "settings": lambda: _settings({"env", "scripts"}),
        "nameko-settings": lambda: _settings({"nameko"}),
    },
}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"


def render(doc: str, regions: dict[str, Callable[[], str]]) -> str:
    for name, make in regions.items():
        start, end = markers(name)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if len(pattern.findall(doc)) != 1:
            raise SystemExit(f"expected one {start} … {end} region")
        at = doc.index(start)
        prefix = doc[doc.rfind("\n", 0, at) + 1 : at]  # `// ` in a script: the end marker gets it too
        region = f"{start}\n{make()}\n{prefix}{end}"
        doc = pattern.sub(lambda _m, region=region: region, doc)
    return doc


def stale() -> Iterator[tuple[Path, str, str]]:
    """(file, what it holds, what it should hold) for every file whose regions are stale."""
    for path, regions in REGIONS.items():
        current = path.read_text(encoding="utf-8")
        wanted = render(current, regions)
        if wanted != current:
            yield path, current, wanted


def main(argv: list[str]) -> int:
    if "--check" in argv:
        status = 0
        for path, current, wanted in stale():
            status = 1
            rel = str(path.relative_to(ROOT))
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    wanted.splitlines(keepends=True),
                    rel,
                    f"{rel} (generated)",
                )
            )
        if status:
            print("stale: run python scripts/gen_docs.py", file=sys.stderr)
        return status
    for path, _, wanted in stale():
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
