"""Who is asking, as every service sees it: the verified actor the gateway passes along.

Scope is a list of org paths (`/1/2/6/`); a row is inside it when its own org path
starts with one of them. Services store the org path of what they own beside it, so
this check is a prefix test, not a call to grids.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import DomainError


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    roles: frozenset[str]
    org_unit_id: int | None
    department_id: int | None
    scope: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict) -> Actor:
        return cls(
            id=int(data["id"]),
            name=data.get("name", ""),
            roles=frozenset(data.get("roles", ())),
            org_unit_id=data.get("org_unit_id"),
            department_id=data.get("department_id"),
            scope=tuple(data.get("scope", ())),
        )

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def covers(self, path: str | None) -> bool:
        if not path:
            return False
        return any(path.startswith(p) for p in self.scope)

    def require(self, *roles: str) -> None:
        """403 `forbidden` unless the actor has one of `roles`."""
        if not self.has(*roles):
            raise DomainError("forbidden")

    def require_scope(self, path: str | None) -> None:
        """403 `out_of_scope` unless `path` lies in the actor's part of the tree."""
        if not self.covers(path):
            raise DomainError("out_of_scope")


def common_path(paths: list[str]) -> str:
    """The deepest org path that covers every one of `paths` (`/1/2/`); `/` when none does."""
    split = [p.strip("/").split("/") for p in paths]
    prefix: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return "/" + "/".join(prefix) + "/" if prefix else "/"
