"""The links sheet (联系关系): member↔household, cadre↔grid and team↔village, each checked
against the rules of its kind; links already active are left alone, none is ended."""

from __future__ import annotations

from typing import Any

from services.grids.domain import LINK_LABELS, OWN_HOME, Level, LinkKind, Role
from services.grids.grantable import Placement
from services.grids.importing.cells import parse_link_kind
from services.grids.importing.lookups import by_code, fetch
from services.grids.importing.sheet import Column, Importer, Row
from services.grids.models import Household, Link, OrgUnit, Person, Team
from services.grids.queries import lives_in

CADRE_ROLES = {Role.village_cadre.value, Role.village_secretary.value, Role.grid_worker.value}


class LinksImport(Importer):
    kind = "links"
    label = "联系关系"
    columns = (
        Column("kind", "类型", parse=parse_link_kind, hint="、".join(LINK_LABELS.values())),
        Column("source_code", "联系人编号", max_len=32, hint="人员编号;组团联村填组团编码"),
        Column("target_code", "对象编码", max_len=32, hint="户编号、网格编码或村(社区)编码"),
    )
    unique = (("kind", "source_code", "target_code"),)

    def validate(self) -> None:
        def codes(kind: LinkKind, field: str) -> list[str]:
            return [r[field] for r in self.rows if r["kind"] == kind]

        mh, cg, tv = LinkKind.member_household, LinkKind.cadre_grid, LinkKind.team_village
        people = by_code(self.session, Person, codes(mh, "source_code") + codes(cg, "source_code"))
        teams = by_code(self.session, Team, codes(tv, "source_code"))
        households = by_code(self.session, Household, codes(mh, "target_code"))
        places = by_code(self.session, OrgUnit, codes(cg, "target_code") + codes(tv, "target_code"))
        unit_ids = [h.grid_id for h in households.values()] + [p.org_unit_id for p in people.values()]
        self.units: dict[int, OrgUnit] = {u.id: u for u in places.values()}
        self.units.update({u.id: u for u in fetch(self.session, OrgUnit, OrgUnit.id, unit_ids)})

        self.resolved: list[tuple[Row, int, int, str]] = []  # row, source id, target id, org path
        if self.scope is not None:
            self.places.linked_grids(p.id for p in people.values())
        for row in self.rows:
            kind = row["kind"]
            if kind is None or row["source_code"] is None or row["target_code"] is None:
                continue
            if kind == tv:
                source = teams.get(row["source_code"])
                missing = f"组团编码“{row['source_code']}”不存在"
            else:
                source = people.get(row["source_code"])
                missing = f"人员编号“{row['source_code']}”不存在"
            if source is None:
                self.error(row, "source_code", missing)
            elif kind != tv and not source.active:
                self.error(row, "source_code", f"人员“{source.code}”已停用")
                source = None
            target = {mh: households, cg: places, tv: places}[kind].get(row["target_code"])
            if target is None:
                self.error(row, "target_code", f"对象编码“{row['target_code']}”不存在")
            if source is None or target is None:
                continue
            place = self.check_rule(row, kind, source, target)
            if place is None or not self.in_scope(
                row, "target_code", place.path, f"对象“{row['target_code']}”"
            ):
                continue
            if self.scope is not None:
                if kind == tv:
                    team_path, villages = self.places.team(source.id)
                    standing = Placement(roles=(), place=team_path or "", team_villages=villages)
                else:
                    standing = self.places.of_person(source)
                if not self.placement_in_scope(row, "source_code", standing, f"联系人“{row['source_code']}”"):
                    continue
            self.resolved.append((row, source.id, target.id, place.path))

    def check_rule(self, row: Row, kind: LinkKind, source: Any, target: Any) -> OrgUnit | None:
        """The org unit the link lives in, or None after reporting why it may not exist."""
        if kind == LinkKind.member_household:
            if Role.member.value not in source.roles:
                self.error(row, "source_code", f"“{source.name}”不是党员,不能联户")
                return None
            if lives_in(self.session, source, target.id):
                self.error(row, "target_code", f"“{source.name}”住在这一户:{OWN_HOME}")
                return None
            return self.units[target.grid_id]
        if kind == LinkKind.cadre_grid:
            if not CADRE_ROLES & set(source.roles):
                self.error(
                    row, "source_code", f"“{source.name}”不是村两委干部、村党组织书记或网格员,不能联格"
                )
                return None
            if target.level != Level.grid.value:
                self.error(row, "target_code", f"“{target.code}”不是网格")
                return None
            home = self.units[source.org_unit_id]
            village_id = home.id if home.level == Level.village.value else home.parent_id
            if target.parent_id != village_id:
                self.error(row, "target_code", f"网格“{target.code}”不在“{source.name}”所在的村(社区)")
                return None
            return target
        if target.level != Level.village.value:
            self.error(row, "target_code", f"“{target.code}”不是村(社区),组团只能联村")
            return None
        return target

    def apply(self) -> None:
        active = {
            (link.kind, link.source_id, link.target_id)
            for kind in LinkKind
            for link in fetch(
                self.session,
                Link,
                Link.source_id,
                (source_id for row, source_id, _, _ in self.resolved if row["kind"] == kind),
                Link.kind == kind.value,
                Link.active_key == 0,
            )
        }
        new: list[tuple[Link, str]] = []
        for row, source_id, target_id, path in self.resolved:
            if (row["kind"].value, source_id, target_id) in active:
                self.unchanged += 1
                continue
            link = Link(kind=row["kind"].value, source_id=source_id, target_id=target_id, active_key=0)
            new.append((link, path))
        self.session.add_all(link for link, _ in new)
        self.session.flush()
        for link, path in new:
            self.emit(
                "link.created",
                {"id": link.id, "kind": link.kind, "source_id": link.source_id, "target_id": link.target_id},
                subject=f"links/{link.id}",
                org_path=path,
            )
        self.created += len(new)
