"""Write side of the grids service: each function checks role and scope, changes rows
and emits the events, inside the caller's unit of work (the caller commits)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select

from common.errors import DomainError, not_found
from common.events import DomainEvent, utcnow
from services.grids import audit as audit_trail
from services.grids import queries
from services.grids.domain import (
    OWN_HOME,
    Actor,
    Level,
    LinkKind,
    OrgRuleError,
    Role,
    check_link,
    check_parent,
    check_role_place,
    child_path,
    may,
    scope_paths,
)
from services.grids.grantable import Placement, may_give
from services.grids.models import Department, Household, Link, OrgUnit, Person, RevokedToken, Team
from services.grids.placement import Places

hasher = PasswordHasher()


def _event(name: str, data: dict, unit: OrgUnit, subject: str) -> DomainEvent:
    return DomainEvent(service="grids", name=name, data=data, subject=subject, org_path=unit.path)


def _record(uow, actor: Actor, event: DomainEvent) -> None:
    """Emit the change's event and write the audit entry, in the same transaction."""
    uow.emit(event)
    audit(uow, actor, event.name, event.subject, event.org_path, event.data)


def _rule(exc: OrgRuleError) -> DomainError:
    return DomainError("validation_failed", {"detail": exc.message}, {"_rule": [exc.message]})


def _require(actor: Actor, action: str) -> None:
    if not may(actor, action):
        raise DomainError("forbidden")


def _may_give(actor: Actor, placement: Placement) -> None:
    """403 `out_of_scope` when the placement reaches beyond the actor's scope (grantable.py)."""
    if not may_give(actor.scope_paths, placement):
        raise DomainError("out_of_scope")


def _unit_in_scope(session, actor: Actor, unit_id: int, what: str = "组织") -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise not_found(what, "org unit")
    if not actor.covers(unit.path):
        raise DomainError("out_of_scope")
    return unit


# -- authentication -------------------------------------------------------------------


def actor_claims(session, person: Person) -> dict:
    unit = session.get(OrgUnit, person.org_unit_id)
    department_path = None
    if person.department_id:
        dept = session.get(Department, person.department_id)
        department_path = session.get(OrgUnit, dept.org_unit_id).path if dept else None
    grid_ids = queries.linked_targets(session, LinkKind.cadre_grid, [person.id])
    village_ids = (
        queries.linked_targets(session, LinkKind.team_village, [person.team_id]) if person.team_id else []
    )
    paths = {
        u.id: u.path for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(grid_ids + village_ids)))
    }
    roles = [Role(r) for r in person.roles]
    return {
        "id": person.id,
        "name": person.name,
        "roles": list(person.roles),
        "org_unit_id": person.org_unit_id,
        "department_id": person.department_id,
        "cv": person.credential_version or 1,
        "scope": scope_paths(
            roles,
            unit.path,
            department_path,
            [paths[i] for i in grid_ids if i in paths],
            [paths[i] for i in village_ids if i in paths],
        ),
    }


# -- org units, people, households ----------------------------------------------------


def create_org_unit(uow, actor: Actor, data: dict) -> OrgUnit:
    _require(actor, "org_unit.create")
    session = uow.session
    parent = _unit_in_scope(session, actor, data["parent_id"], "上级组织") if data["parent_id"] else None
    if parent is None and Role.county_admin.value not in actor.roles:
        raise DomainError("forbidden")
    try:
        check_parent(Level(data["level"]), Level(parent.level) if parent else None)
    except OrgRuleError as exc:
        raise _rule(exc) from exc
    _unique(session, OrgUnit, data["code"])
    unit = OrgUnit(
        parent_id=parent.id if parent else None, level=data["level"], code=data["code"], name=data["name"]
    )
    session.add(unit)
    session.flush()
    unit.path = child_path(parent.path if parent else None, unit.id)
    _record(uow, actor, _event("org_unit.created", queries.org_unit_dict(unit), unit, f"org_units/{unit.id}"))
    return unit


def _unique(session, model, code: str) -> None:
    if session.scalar(select(model.id).where(model.code == code)) is not None:
        raise DomainError(
            "conflict",
            {"detail": f"编码 {code} 已存在", "detail_en": f"Code {code} already exists"},
            {"code": ["编码已存在"]},
        )


def create_person(uow, actor: Actor, data: dict) -> Person:
    _require(actor, "person.create")
    session = uow.session
    unit = _unit_in_scope(session, actor, data["org_unit_id"])
    roles = [Role(r) for r in data["roles"]]
    if Role.county_admin in roles and Role.county_admin.value not in actor.roles:
        raise DomainError("forbidden")
    try:
        check_role_place(roles, Level(unit.level))
    except OrgRuleError as exc:
        raise _rule(exc) from exc
    for key, model, label in (("department_id", Department, "部门"), ("team_id", Team, "组团")):
        if data.get(key) is not None and session.get(model, data[key]) is None:
            raise not_found(label, key)
    _may_give(actor, Places(session).of(roles, unit.id, data.get("department_id"), data.get("team_id")))
    _unique(session, Person, data["code"])
    person = Person(
        code=data["code"],
        name=data["name"],
        phone=data.get("phone"),
        id_number=data.get("id_number"),
        roles=[r.value for r in roles],
        org_unit_id=unit.id,
        department_id=data.get("department_id"),
        team_id=data.get("team_id"),
    )
    session.add(person)
    session.flush()
    _record(
        uow,
        actor,
        _event(
            "person.assigned",
            {
                "id": person.id,
                "code": person.code,
                "name": person.name,
                "roles": person.roles,
                "org_unit_id": unit.id,
            },
            unit,
            f"people/{person.id}",
        ),
    )
    return person


def create_household(uow, actor: Actor, data: dict) -> Household:
    _require(actor, "household.create")
    session = uow.session
    grid = _unit_in_scope(session, actor, data["grid_id"], "网格")
    if grid.level != Level.grid.value:
        raise _rule(OrgRuleError("bad_grid", "户只能落在网格"))
    _unique(session, Household, data["code"])
    household = Household(
        code=data["code"],
        grid_id=grid.id,
        address=data["address"],
        head_name=data["head_name"],
        phone=data.get("phone"),
    )
    session.add(household)
    session.flush()
    _record(
        uow,
        actor,
        _event(
            "household.created",
            {"id": household.id, "code": household.code, "grid_id": grid.id},
            grid,
            f"households/{household.id}",
        ),
    )
    return household


# -- links ----------------------------------------------------------------------------


def _link_target_unit(session, kind: LinkKind, target_id: int) -> OrgUnit | None:
    if kind == LinkKind.member_household:
        household = session.get(Household, target_id)
        return session.get(OrgUnit, household.grid_id) if household else None
    return session.get(OrgUnit, target_id)


def _source_in_scope(session, actor: Actor, kind: LinkKind, source: Person | Team) -> None:
    """A link widens its source's scope (a cadre's grids, a team's villages): the source as it
    stands must lie wholly inside the actor's scope, or the actor would be giving beyond it."""
    places = Places(session)
    if kind == LinkKind.team_village:
        team_path, villages = places.team(source.id)
        placement = Placement(roles=(), place=team_path or "", team_villages=villages)
    else:
        placement = places.of_person(source)
    _may_give(actor, placement)


def create_link(uow, actor: Actor, data: dict) -> Link:
    _require(actor, "link.change")
    session = uow.session
    kind = LinkKind(data["kind"])
    unit = _link_target_unit(session, kind, data["target_id"])
    if unit is None:
        raise not_found("联系对象", "link target")
    if not actor.covers(unit.path):
        raise DomainError("out_of_scope")
    if kind == LinkKind.team_village:
        source = session.get(Team, data["source_id"])
        source_roles = None
    else:
        source = session.get(Person, data["source_id"])
        source_roles = source.roles if source else None
    if source is None:
        raise not_found("联系人", "link source")
    _source_in_scope(session, actor, kind, source)
    try:
        check_link(kind, source_roles, Level(unit.level))
        if kind == LinkKind.member_household and queries.lives_in(session, source, data["target_id"]):
            raise OrgRuleError("bad_link", OWN_HOME)
        if kind == LinkKind.cadre_grid and not unit.path.startswith(
            session.get(OrgUnit, source.org_unit_id).path
        ):
            raise OrgRuleError("bad_link", "两委干部只能联系本村的网格")
    except OrgRuleError as exc:
        raise _rule(exc) from exc
    existing = session.scalar(
        select(Link).where(
            Link.kind == kind.value,
            Link.source_id == source.id,
            Link.target_id == data["target_id"],
            Link.active_key == 0,
        )
    )
    if existing is not None:
        return existing  # asking twice for the same link is not an error
    link = Link(kind=kind.value, source_id=source.id, target_id=data["target_id"])
    session.add(link)
    session.flush()
    _record(
        uow,
        actor,
        _event(
            "link.created",
            queries.link_dict(link) | {"created_at": link.created_at.isoformat()},
            unit,
            f"links/{link.id}",
        ),
    )
    return link


def end_link(uow, actor: Actor, link_id: int) -> Link:
    _require(actor, "link.change")
    session = uow.session
    link = session.get(Link, link_id)
    if link is None or link.active_key != 0:
        raise not_found("联系关系", "link")
    unit = _link_target_unit(session, LinkKind(link.kind), link.target_id)
    if unit is None or not actor.covers(unit.path):
        raise DomainError("out_of_scope")
    source = session.get(Team if link.kind == LinkKind.team_village.value else Person, link.source_id)
    if source is not None:
        _source_in_scope(session, actor, LinkKind(link.kind), source)
    link.active_key = link.id
    link.ended_at = utcnow()
    data = queries.link_dict(link) | {
        "created_at": link.created_at.isoformat(),
        "ended_at": link.ended_at.isoformat(),
    }
    _record(uow, actor, _event("link.ended", data, unit, f"links/{link.id}"))
    return link


# -- sign-out and audit ------------------------------------------------------------------


def revoke_token(uow, actor: Actor, jti: str, expires_at: datetime) -> None:
    session = uow.session
    if session.get(RevokedToken, jti) is not None:
        return  # signing out twice is not an error
    session.add(RevokedToken(jti=jti, person_id=actor.person_id, expires_at=expires_at))
    person = session.get(Person, actor.person_id)
    unit = session.get(OrgUnit, person.org_unit_id) if person else None
    audit(uow, actor, "logout", f"people/{actor.person_id}", unit.path if unit else "", {"jti": jti})
    uow.emit(
        DomainEvent(
            service="grids",
            name="token.revoked",
            data={"jti": jti, "person_id": actor.person_id, "expires_at": expires_at.isoformat()},
            subject=f"people/{actor.person_id}",
            org_path=unit.path if unit else "",
        )
    )


def active_revocations(session) -> list[dict]:
    rows = session.scalars(select(RevokedToken).where(RevokedToken.expires_at > utcnow()))
    return [{"jti": r.jti, "expires_at": r.expires_at.isoformat()} for r in rows]


def audit(uow, actor: Actor, action: str, target: str, org_path: str, detail: dict | None = None) -> None:
    """Record an administrative change in the same transaction as the change itself."""
    audit_trail.write(
        uow.session,
        actor_id=actor.person_id,
        action=action,
        target=target,
        org_path=org_path,
        detail=detail,
        client=actor.client,
    )
