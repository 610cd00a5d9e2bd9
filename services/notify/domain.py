"""Decisions of the notify service, in plain Python: which rule an event meets, who it
names, how a notice reads, when a push may go out, how deliveries are signed and retried.
The service does the I/O (grids look-ups, tables, HTTP)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from common.china_time import CHINA
from common.contracts.notify import MANAGER_ROLES
from common.errors import DomainError
from common.scope import Actor
from services.notify.rules import LABELS, RULES

# -- topic patterns ---------------------------------------------------------------------


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic semantics: words split by dots, `*` is one word, `#` zero or more."""

    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        if not k:
            return False
        return (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


# -- the rule table ---------------------------------------------------------------------

ROLE_SOURCE = re.compile(r"^(grid|village|township|county|department):(\w+)(?:@(\w+))?$")


@dataclass(frozen=True)
class Rule:
    on: str
    kind: str
    title: str
    body: str
    people: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()
    when: dict = field(default_factory=dict)
    skip_actor: bool = True
    default_body: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> Rule:
        for source in (*d.get("roles", ()), *d.get("fallback", ())):
            if not ROLE_SOURCE.match(source):
                raise ValueError(f"rule for {d['on']}: bad role source {source!r}")
        return cls(
            on=d["on"],
            kind=d["kind"],
            title=d["title"],
            body=d["body"],
            people=tuple(d.get("people", ())),
            roles=tuple(d.get("roles", ())),
            fallback=tuple(d.get("fallback", ())),
            when=dict(d.get("when", {})),
            skip_actor=d.get("skip_actor", True),
            default_body=d.get("default_body", ""),
        )

    def applies(self, event_type: str, data: dict) -> bool:
        return topic_matches(self.on, event_type) and all(data.get(k) in v for k, v in self.when.items())


def load_rules(table: list[dict] = RULES) -> list[Rule]:
    return [Rule.from_dict(d) for d in table]


def binding_patterns(rules: list[Rule]) -> list[str]:
    """The routing keys the inbox consumer binds: one per distinct rule pattern."""
    return sorted({r.on for r in rules})


def rules_for(rules: list[Rule], event_type: str, data: dict) -> list[Rule]:
    return [r for r in rules if r.applies(event_type, data)]


def _ids(value: Any) -> list[int]:
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, list | tuple):
        return [int(v) for v in value if v is not None and not isinstance(v, bool)]
    return [int(value)]


def people_named(rule: Rule, data: dict) -> list[int]:
    return [pid for f in rule.people for pid in _ids(data.get(f))]


@dataclass(frozen=True)
class RoleQuery:
    """One look-up in grids: `grid` + key of responsible_for_grid, or a role in a unit."""

    level: str  # grid | village | township | county | department
    unit_id: int
    what: str  # grid: grid_workers | cadres | village_secretaries | team_cadres; else a role


def role_queries(sources: tuple[str, ...], data: dict) -> list[RoleQuery]:
    """What to ask grids for `roles` like `village:village_secretary` at the event's place."""
    queries = []
    for source in sources:
        matched = ROLE_SOURCE.match(source)
        if matched is None:  # Rule.from_dict refuses such a rule
            raise ValueError(f"bad role source {source!r}")
        level, what, field = matched.groups()
        if field:  # `village:village_secretary@lost_village_ids`: the units in that field
            units = _ids(data.get(field))
        elif level == "grid":
            units = _ids(data.get("grid_id"))
        elif level == "village":
            units = _ids(data.get("village_ids")) or _ids(data.get("village_id"))
        elif level == "department":
            units = _ids(data.get("department_id"))
        elif level == "county":
            units = _ids(data.get("county_id"))
        else:
            units = _ids(data.get("township_id"))
        queries += [RoleQuery(level, unit, what) for unit in units]
    return queries


def plan(rule: Rule, data: dict) -> tuple[list[int], list[RoleQuery]]:
    """The people a rule names directly, and the role look-ups it still needs."""
    named = people_named(rule, data)
    sources = rule.roles + (rule.fallback if not named else ())
    return named, role_queries(sources, data)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def readable(value: object) -> object:
    """A moment as people read it, in China time to the minute ("2026-12-08 15:47"), not
    the event's ISO text; anything else as it is."""
    if isinstance(value, str) and _MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return value


def template_context(data: dict) -> dict:
    context = {}
    for key, value in data.items():
        if value is None:
            continue
        value = [readable(v) for v in value] if isinstance(value, list) else readable(value)
        context[key] = "、".join(str(v) for v in value) if isinstance(value, list) else value
        labels = LABELS.get(key)
        if labels is not None:
            values = value if isinstance(value, list) else [value]
            context[f"{key}_text"] = "、".join(labels.get(str(v), str(v)) for v in values)
    return context


def render(template: str, data: dict) -> str:
    return template.format_map(_Blank(template_context(data)))


@dataclass(frozen=True)
class Notice:
    person_id: int
    kind: str
    title: str
    body: str


def notices(rule: Rule, data: dict, people: list[int]) -> list[Notice]:
    """One notice per person, in order, without duplicates and without the actor if asked."""
    actor = data.get("actor_id")
    title = render(rule.title, data)
    body = render(rule.body, data).strip() or rule.default_body
    seen: set[int] = set()
    result = []
    for pid in people:
        if pid in seen or (rule.skip_actor and actor is not None and pid == actor):
            continue
        seen.add(pid)
        result.append(Notice(pid, rule.kind, title[:200], body))
    return result


# -- subscriptions and scope --------------------------------------------------------------


def wants(event_types: list[str], org_path: str, event_type: str, event_orgpath: str | None) -> bool:
    """A subscription receives an event of one of its patterns inside its part of the tree,
    never one outside it (an event without a place is outside every scope)."""
    if not event_orgpath:
        return False
    return event_orgpath.startswith(org_path) and any(topic_matches(p, event_type) for p in event_types)


def subscription_scope(actor: Actor, requested: str | None) -> str:
    """The org path a new subscription gets: county admins anywhere in their county,
    township leaders inside their township; nobody else manages subscriptions."""
    actor.require(*MANAGER_ROLES)
    if not actor.scope:
        raise DomainError("out_of_scope")
    path = requested or actor.scope[0]
    actor.require_scope(path)
    return path


def may_manage(actor: Actor, org_path: str) -> bool:
    return actor.has(*MANAGER_ROLES) and actor.covers(org_path)


# -- webhooks, robots, retries -----------------------------------------------------------

SIGNATURE_HEADER = "X-Grassroots-Signature"


def sign_body(secret: str, body: bytes) -> str:
    """The webhook signature header value: `sha256=` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_body(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign_body(secret, body), header or "")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot signing: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def backoff(attempts: int, base: float, cap: float) -> timedelta:
    """Wait before the next attempt after `attempts` failures: base, 2·base, 4·base … ≤ cap."""
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


# -- quiet hours and the daily digest -----------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """No push from `start` to `end` local time (may cross midnight); in-app is unaffected."""

    start: time
    end: time
    tz: timezone

    @classmethod
    def parse(cls, text: str | None, utc_offset_hours: float = 8) -> QuietHours | None:
        """`"22:00-07:00"`; empty means none."""
        if not text:
            return None
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
        if not match:
            raise ValueError(f"quiet hours {text!r}: expected HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(time(h1, m1), time(h2, m2), timezone(timedelta(hours=utc_offset_hours)))

    def covers(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` when pushing may resume."""
        local = moment.astimezone(self.tz)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


def local_day_bounds(day: date, tz: timezone) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tz)
    return start, start + timedelta(days=1)


def digest_text(day: date, items: list[tuple[str, str]], limit: int = 10) -> tuple[str, str]:
    """(title, text) of one person's digest from their unread (kind, title) pairs."""
    title = f"每日消息汇总({day.isoformat()})"
    lines = [f"您有 {len(items)} 条未读消息:"]
    lines += [f"{i}. {t}" for i, (_, t) in enumerate(items[:limit], start=1)]
    if len(items) > limit:
        lines.append(f"……另有 {len(items) - limit} 条,请登录查看。")
    return title, "\n".join(lines)
