"""The org and its people: rules in plain Python, no framework imports."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from common import roles


class Level(enum.StrEnum):
    county = "county"
    township = "township"
    village = "village"
    grid = "grid"


LEVEL_LABELS = {
    Level.county: "县(市、区)",
    Level.township: "乡镇(街道)",
    Level.village: "村(社区)",
    Level.grid: "网格",
}
PARENT_LEVEL = {
    Level.county: None,
    Level.township: Level.county,
    Level.village: Level.township,
    Level.grid: Level.village,
}


class Role(enum.StrEnum):
    """common.roles.ROLES as an enum for grids' own typing (a unit test keeps the two equal);
    the labels and the groups are common.roles' (one list for services, gateway and console)."""

    county_admin = "county_admin"
    township_leader = "township_leader"
    department_staff = "department_staff"
    village_secretary = "village_secretary"
    village_cadre = "village_cadre"
    grid_worker = "grid_worker"
    member = "member"
    team_cadre = "team_cadre"
    resident = "resident"
    auditor = "auditor"


ROLE_LABELS = {Role(name): roles.label(name) for name in roles.ROLES}

# The level of the place a person with this role is bound to.
ROLE_PLACE_LEVEL = {
    Role.county_admin: {Level.county},
    Role.township_leader: {Level.township},
    Role.department_staff: {Level.county, Level.township},
    Role.village_secretary: {Level.village},
    Role.village_cadre: {Level.village},
    Role.grid_worker: {Level.grid},
    Role.member: {Level.grid, Level.village},
    Role.team_cadre: {Level.township, Level.county},
    Role.resident: {Level.grid},
    Role.auditor: {Level.county},
}

# Roles that may see everyone's full phone and ID numbers (of whom they read). A member sees
# them in full for the households linked to them only, a resident for their own household
# (services/grids/reach.py).
PII_ROLES = {Role.county_admin, Role.township_leader, Role.village_secretary, Role.grid_worker}


class LinkKind(enum.StrEnum):
    member_household = "member_household"  # 党员联户
    cadre_grid = "cadre_grid"  # 两委联格
    team_village = "team_village"  # 组团联村


LINK_LABELS = {
    LinkKind.member_household: "党员联户",
    LinkKind.cadre_grid: "两委联格",
    LinkKind.team_village: "组团联村",
}


class OrgRuleError(ValueError):
    """A rule of the org was broken; `code` is the machine code, `message` Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def child_path(parent_path: str | None, unit_id: int) -> str:
    """Materialised path: `/1/5/23/`; a subtree is everything whose path starts with it."""
    return f"{parent_path or '/'}{unit_id}/"


def check_parent(level: Level, parent_level: Level | None) -> None:
    expected = PARENT_LEVEL[level]
    if expected != parent_level:
        want = LEVEL_LABELS[expected] if expected else "无"
        raise OrgRuleError("bad_parent", f"{LEVEL_LABELS[level]}的上级必须是{want}")


def check_role_place(roles: Iterable[Role], place_level: Level) -> None:
    for role in roles:
        if place_level not in ROLE_PLACE_LEVEL[role]:
            allowed = "、".join(LEVEL_LABELS[lv] for lv in ROLE_PLACE_LEVEL[role])
            raise OrgRuleError("bad_role_place", f"{ROLE_LABELS[role]}只能落在{allowed}")


@dataclass(frozen=True)
class Actor:
    """Who is asking: the claims the gateway verified from the token."""

    person_id: int
    roles: frozenset[str]
    scope_paths: tuple[str, ...]
    department_id: int | None = None
    client: str | None = None  # the caller's address, for the audit trail

    @classmethod
    def from_claims(cls, claims: dict) -> Actor:
        return cls(
            person_id=int(claims["sub"]),
            roles=frozenset(claims.get("roles", ())),
            scope_paths=tuple(claims.get("scope", ())),
            department_id=claims.get("department_id"),
            client=claims.get("client"),
        )

    def covers(self, path: str) -> bool:
        """True when `path` lies in (or is) one of the actor's places."""
        return any(path.startswith(p) for p in self.scope_paths)

    def sees_ancestor_of(self, path: str) -> bool:
        """True when `path` is above one of the actor's places (shown as context only)."""
        return any(p.startswith(path) for p in self.scope_paths)

    @property
    def sees_pii(self) -> bool:
        return any(Role(r) in PII_ROLES for r in self.roles)


def scope_paths(
    roles: Iterable[Role],
    own_path: str,
    department_path: str | None,
    linked_grid_paths: Iterable[str],
    team_village_paths: Iterable[str],
) -> list[str]:
    """The subtrees a person may see and act in, from their roles, place and links."""
    paths: set[str] = set()
    for role in roles:
        if role in (Role.county_admin, Role.township_leader, Role.village_secretary, Role.village_cadre):
            paths.add(own_path)
        elif role == Role.department_staff:
            paths.add(department_path or own_path)
        elif role in (Role.grid_worker, Role.member):
            paths.add(own_path)
            paths.update(linked_grid_paths)
        elif role == Role.team_cadre:
            paths.update(team_village_paths)
        elif role == Role.resident:
            paths.add(own_path)
    return minimal_paths(paths)


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by a shorter one."""
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return sorted(result)


_PHONE = re.compile(r"^1\d{10}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


def valid_phone(phone: str) -> bool:
    return bool(_PHONE.match(phone))


def valid_id_number(number: str) -> bool:
    """Mainland resident ID: 18 characters with the ISO 7064 MOD 11-2 check digit."""
    if not _ID_NUMBER.match(number):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def mask_phone(phone: str | None) -> str | None:
    if not phone or len(phone) < 7:
        return phone
    return phone[:3] + "****" + phone[-4:]


def mask_id_number(number: str | None) -> str | None:
    if not number or len(number) < 8:
        return number
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# Which roles may make each change (scope is checked separately, against the target's place).
WRITE_ROLES: dict[str, set[Role]] = {
    action: {Role(r) for r in group}
    for action, group in {
        "org_unit.create": roles.TOWNSHIP,
        "person.create": roles.ACCOUNT_ADMINS,
        # PUT /people/{id}/account; these roles alone see other people's login usernames
        "account.grant": roles.ACCOUNT_ADMINS,
        "household.create": roles.HOUSEHOLD_KEEPERS,
        "link.change": roles.ACCOUNT_ADMINS,
        "import": roles.TOWNSHIP,
    }.items()
}


def may(actor: Actor, action: str) -> bool:
    return any(Role(r) in WRITE_ROLES[action] for r in actor.roles)


# a member visits and is rated by other households, never their own
OWN_HOME = "党员不能联系自己家:自家的走访和评价须由别的党员来做"


def check_link(kind: LinkKind, source_roles: Iterable[str] | None, target_level: Level) -> None:
    """member↔household needs a member; cadre↔grid a village cadre on a grid; team↔village a village."""
    roles = {Role(r) for r in (source_roles or ())}
    if kind == LinkKind.member_household:
        if Role.member not in roles:
            raise OrgRuleError("bad_link", "党员联户的联系人必须是党员")
    elif kind == LinkKind.cadre_grid:
        if not roles & {Role.village_cadre, Role.village_secretary, Role.grid_worker}:
            raise OrgRuleError("bad_link", "两委联格的联系人必须是村两委干部或网格员")
        if target_level != Level.grid:
            raise OrgRuleError("bad_link", "两委联格的对象必须是网格")
    elif kind == LinkKind.team_village and target_level != Level.village:
        raise OrgRuleError("bad_link", "组团联村的对象必须是村(社区)")


# Login lockout: after this many wrong passwords in a row the account waits.
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15


def after_failed_login(failed_so_far: int, now: datetime) -> tuple[int, datetime | None]:
    """The new failure count and, when it reaches the limit, until when the account is locked."""
    failed = failed_so_far + 1
    if failed >= MAX_FAILED_LOGINS:
        return 0, now + timedelta(minutes=LOCKOUT_MINUTES)
    return failed, None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    if locked_until is None:
        return False
    if locked_until.tzinfo is None:  # SQLite hands back naive UTC
        locked_until = locked_until.replace(tzinfo=now.tzinfo)
    return locked_until > now
