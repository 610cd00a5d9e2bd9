"""The people sheet (人员): each person's roles and place, department, team and login name;
the person as they stand and as the row leaves them must both be in the importer's scope."""

from __future__ import annotations

from services.grids.domain import ROLE_LABELS, Level, OrgRuleError, check_role_place
from services.grids.importing.cells import parse_id_number, parse_phone, parse_roles
from services.grids.importing.lookups import by_code, fetch, update_changed
from services.grids.importing.sheet import Column, Importer, Row
from services.grids.models import Department, OrgUnit, Person, Team


class PeopleImport(Importer):
    kind = "people"
    label = "人员"
    columns = (
        Column("code", "编号", max_len=32),
        Column("name", "姓名", max_len=50),
        Column("phone", "手机", parse=parse_phone),
        Column("id_number", "身份证号", required=False, parse=parse_id_number),
        Column(
            "roles", "角色", parse=parse_roles, hint="多个角色用“、”分隔:" + "、".join(ROLE_LABELS.values())
        ),
        Column("org_code", "所属组织编码", max_len=32),
        Column("department_code", "部门编码", required=False, max_len=32),
        Column("team_code", "组团编码", required=False, max_len=32),
        Column("username", "账号", required=False, max_len=64, hint="登录账号;密码不随导入设置"),
    )
    unique = (("code",), ("username",))
    attr_fields = {"org_unit_id": "org_code", "department_id": "department_code", "team_id": "team_code"}

    def validate(self) -> None:
        self.orgs: dict[str, OrgUnit] = by_code(self.session, OrgUnit, (r["org_code"] for r in self.rows))
        self.departments = by_code(self.session, Department, (r["department_code"] for r in self.rows))
        self.teams = by_code(self.session, Team, (r["team_code"] for r in self.rows))
        self.stored: dict[str, Person] = by_code(self.session, Person, (r["code"] for r in self.rows))
        owners = fetch(self.session, Person, Person.username, (r["username"] for r in self.rows))
        username_owner = {p.username: p.code for p in owners}
        if self.scope is not None:
            self.places.linked_grids(p.id for p in self.stored.values())
        for row in self.rows:
            org = self.orgs.get(row["org_code"])
            if row["org_code"] is not None and org is None:
                self.error(row, "org_code", f"组织编码“{row['org_code']}”不存在")
            if org is not None and row["roles"]:
                try:
                    check_role_place(row["roles"], Level(org.level))
                except OrgRuleError as exc:
                    self.error(row, "roles", exc.message)
            for field, found, what in (
                ("department_code", self.departments, "部门编码"),
                ("team_code", self.teams, "组团编码"),
            ):
                if row[field] is not None and row[field] not in found:
                    self.error(row, field, f"{what}“{row[field]}”不存在")
            owner = username_owner.get(row["username"])
            if owner is not None and owner != row["code"]:
                self.error(row, "username", f"账号“{row['username']}”已被人员“{owner}”使用")
            self.check_scope(row, org)

    def check_scope(self, row: Row, org: OrgUnit | None) -> None:
        """The person as they stand and as the row would leave them: both inside scope."""
        if self.scope is None:
            return
        stored = self.stored.get(row["code"])
        if stored is not None:
            if not self.placement_in_scope(
                row, "code", self.places.of_person(stored), f"人员“{stored.code}”"
            ):
                return
        if org is None or not row["roles"]:
            return  # an error of its own already
        department = self.departments.get(row["department_code"])
        team = self.teams.get(row["team_code"])

        def kept(field: str, new: int | None, old: int | None) -> int | None:
            return new if field in self.present or stored is None else old  # a missing column keeps data

        after = self.places.of(
            [r.value for r in row["roles"]],
            org.id,
            kept("department_code", department.id if department else None, stored and stored.department_id),
            kept("team_code", team.id if team else None, stored and stored.team_id),
            stored.id if stored else None,
        )
        self.placement_in_scope(row, "org_code", after, "该行的角色、组织、部门或组团")

    def apply(self) -> None:
        self.org_paths = {org.id: org.path for org in self.orgs.values()}
        new: list[Person] = []
        for row in self.rows:
            department = self.departments.get(row["department_code"])
            team = self.teams.get(row["team_code"])
            values = {
                "name": row["name"],
                "phone": row["phone"],
                "id_number": row["id_number"],
                "roles": [role.value for role in row["roles"]],
                "org_unit_id": self.orgs[row["org_code"]].id,
                "department_id": department.id if department else None,
                "team_id": team.id if team else None,
                "username": row["username"],
            }
            person = self.stored.get(row["code"])
            if person is None:
                new.append(Person(code=row["code"], **values, password_hash=None, active=True))
                continue
            if set(person.roles or ()) == set(values["roles"]):
                values["roles"] = person.roles  # the same roles in another order are no change
            assigned = (values["roles"], values["org_unit_id"]) != (person.roles, person.org_unit_id)
            changed = self.count(update_changed(person, self.upsert_fields(values)))
            if assigned:
                self._assigned(person)
            elif changed:
                self._assigned(person, "person.updated")
        self.session.add_all(new)
        self.session.flush()
        for person in new:
            self._assigned(person)
        self.created += len(new)

    def _assigned(self, person: Person, name: str = "person.assigned") -> None:
        self.emit(
            name,
            {
                "id": person.id,
                "code": person.code,
                "name": person.name,
                "roles": list(person.roles),
                "org_unit_id": person.org_unit_id,
            },
            subject=f"people/{person.id}",
            org_path=self.org_paths[person.org_unit_id],
        )
