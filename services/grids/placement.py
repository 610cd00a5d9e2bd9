"""Loading a `Placement` (grantable.py) from the grids tables, with caches so that a bulk
import asks the database a few times, not once per row."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.grids.domain import LinkKind, Role
from services.grids.grantable import Placement
from services.grids.models import Department, Link, OrgUnit, Person, Team

_IN_CHUNK = 500


class Places:
    """Org paths of units, departments, teams and cadre-grid links, looked up once each."""

    def __init__(self, session: Session):
        self.session = session
        self._units: dict[int, str | None] = {}
        self._departments: dict[int, str | None] = {}
        self._teams: dict[int, tuple[str | None, tuple[str, ...]]] = {}
        self._grids: dict[int, tuple[str, ...]] = {}

    def unit(self, unit_id: int | None) -> str | None:
        if unit_id is None:
            return None
        if unit_id not in self._units:
            unit = self.session.get(OrgUnit, unit_id)
            self._units[unit_id] = unit.path if unit else None
        return self._units[unit_id]

    def department(self, department_id: int | None) -> str | None:
        if department_id is None:
            return None
        if department_id not in self._departments:
            dept = self.session.get(Department, department_id)
            self._departments[department_id] = self.unit(dept.org_unit_id) if dept else None
        return self._departments[department_id]

    def team(self, team_id: int | None) -> tuple[str | None, tuple[str, ...]]:
        """The team's own place and the villages linked to it."""
        if team_id is None:
            return None, ()
        if team_id not in self._teams:
            team = self.session.get(Team, team_id)
            villages = self._targets(LinkKind.team_village, [team_id]).get(team_id, ())
            self._teams[team_id] = (self.unit(team.org_unit_id) if team else None, villages)
        return self._teams[team_id]

    def linked_grids(self, person_ids: Iterable[int]) -> None:
        """Load the grids linked to these people in a few queries (before `of` is asked)."""
        wanted = [i for i in set(person_ids) if i is not None and i not in self._grids]
        found = self._targets(LinkKind.cadre_grid, wanted)
        for person_id in wanted:
            self._grids[person_id] = found.get(person_id, ())

    def _targets(self, kind: LinkKind, source_ids: list[int]) -> dict[int, tuple[str, ...]]:
        result: dict[int, list[str]] = {}
        for start in range(0, len(source_ids), _IN_CHUNK):
            rows = self.session.execute(
                select(Link.source_id, OrgUnit.path)
                .join(OrgUnit, OrgUnit.id == Link.target_id)
                .where(
                    Link.kind == kind.value,
                    Link.active_key == 0,
                    Link.source_id.in_(source_ids[start : start + _IN_CHUNK]),
                )
            )
            for source_id, path in rows:
                result.setdefault(source_id, []).append(path)
        return {k: tuple(sorted(v)) for k, v in result.items()}

    def of(
        self,
        roles: Iterable[str],
        org_unit_id: int,
        department_id: int | None = None,
        team_id: int | None = None,
        person_id: int | None = None,
    ) -> Placement:
        team_path, villages = self.team(team_id)
        if person_id is not None and person_id not in self._grids:
            self.linked_grids([person_id])
        return Placement(
            roles=tuple(Role(r) for r in roles),
            place=self.unit(org_unit_id) or "",
            department=self.department(department_id),
            team=team_path,
            team_villages=villages,
            linked_grids=self._grids.get(person_id, ()) if person_id is not None else (),
        )

    def of_person(self, person: Person) -> Placement:
        """Where a stored person stands now."""
        return self.of(
            person.roles or (), person.org_unit_id, person.department_id, person.team_id, person.id
        )
