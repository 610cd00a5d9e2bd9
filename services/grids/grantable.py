"""What a caller may give: nobody hands out a reach beyond their own.

A person's scope follows from their roles, place, department and team (`scope_paths`).
Creating, importing, moving or re-roling a person, or granting them an account, is allowed
only when everything the placement names, and the scope it gives, lies inside the caller's
scope. A township leader therefore cannot make a county admin, cannot put someone on the
staff of a county department, and cannot add someone to a team whose villages lie in another
township. Plain Python: the loaders in `placement.py` fill a `Placement` from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.grids.domain import Role, minimal_paths, scope_paths


@dataclass(frozen=True)
class Placement:
    """A person as placed (or about to be): org paths of everything that shapes their scope."""

    roles: tuple[Role, ...]
    place: str
    department: str | None = None  # the org path of their department's unit
    team: str | None = None  # the org path of their team's unit
    team_villages: tuple[str, ...] = ()  # the villages linked to their team (组团联村)
    linked_grids: tuple[str, ...] = ()  # the grids linked to them (两委联格)

    def scope(self) -> list[str]:
        """The scope they would log in with."""
        return scope_paths(self.roles, self.place, self.department, self.linked_grids, self.team_villages)

    def reach(self) -> list[str]:
        """Their scope plus every place the placement names, whatever the roles use of it."""
        named = [self.place, self.department, self.team, *self.team_villages, *self.linked_grids]
        return minimal_paths([p for p in named if p] + self.scope())


def covered(scope: Iterable[str], path: str | None) -> bool:
    """True when `path` lies in (or is) one of the subtrees of `scope`."""
    return bool(path) and any(path.startswith(p) for p in scope)


def beyond(scope: Iterable[str], placement: Placement) -> list[str]:
    """The paths of the placement's reach that lie outside `scope` (empty: it may be given)."""
    scope = tuple(scope)
    return [p for p in placement.reach() if not covered(scope, p)]


def may_give(scope: Iterable[str], placement: Placement) -> bool:
    """True when a caller with `scope` may create, move or re-role someone into `placement`."""
    return not beyond(scope, placement)
