"""Read side of the grids service: scoped queries over its own tables."""

from __future__ import annotations

from sqlalchemy import Select, Text, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from common.sealed import phone_matches
from common.storage import contains_text, in_scope, paginate
from services.grids.domain import (
    LEVEL_LABELS,
    LINK_LABELS,
    ROLE_LABELS,
    Actor,
    Level,
    LinkKind,
    Role,
    mask_id_number,
    mask_phone,
)
from services.grids.models import Department, Household, Link, OrgUnit, Person, Resident
from services.grids.reach import Reach
from services.grids.visibility import households_visible, links_visible, own_households, people_visible


def org_unit_dict(unit: OrgUnit) -> dict:
    return {
        "id": unit.id,
        "parent_id": unit.parent_id,
        "level": unit.level,
        "level_label": LEVEL_LABELS[Level(unit.level)],
        "code": unit.code,
        "name": unit.name,
        "path": unit.path,
    }


def tree(session: Session, actor: Actor, root_id: int | None, depth: int) -> list[dict]:
    """The actor's part of the tree as nested nodes, `depth` levels below each root."""
    if root_id is not None:
        root = session.get(OrgUnit, root_id)
        if root is None or not actor.covers(root.path):
            return []
        roots = [root.path]
    else:
        roots = list(actor.scope_paths)
    # only the levels asked for: a path has one more "/" per level down, so the county's
    # tree one level deep reads its townships, not the 5,000 units below them
    deepest = max(r.count("/") for r in roots) + depth if roots else 0
    slashes = func.length(OrgUnit.path) - func.length(func.replace(OrgUnit.path, "/", ""))
    units = session.scalars(
        select(OrgUnit).where(in_scope(OrgUnit.path, roots), slashes <= deepest).order_by(OrgUnit.code)
    ).all()
    nodes = {u.id: {**org_unit_dict(u), "children": []} for u in units}
    top = []
    for unit in units:
        node = nodes[unit.id]
        if unit.path in roots:
            top.append(node)
        elif unit.parent_id in nodes:
            nodes[unit.parent_id]["children"].append(node)
    _prune(top, depth)
    return top


def _prune(nodes: list[dict], depth: int) -> None:
    for node in nodes:
        if depth == 0:
            node["children"] = []
        else:
            _prune(node["children"], depth - 1)


def person_dict(person: Person, sees_pii: bool, shows_username: bool = False) -> dict:
    result = {
        "id": person.id,
        "code": person.code,
        "name": person.name,
        "phone": person.phone if sees_pii else mask_phone(person.phone),
        "id_number": person.id_number if sees_pii else mask_id_number(person.id_number),
        "roles": list(person.roles),
        "role_labels": [ROLE_LABELS[Role(r)] for r in person.roles],
        "org_unit_id": person.org_unit_id,
        "department_id": person.department_id,
        "team_id": person.team_id,
        "active": person.active,
        "account_disabled": bool(person.account_disabled),
    }
    if shows_username:  # only to those who administer accounts, and the person themself
        result["username"] = person.username
    return result


def person_for(person: Person, reach: Reach) -> dict:
    return person_dict(person, reach.full_person(person.id), reach.shows_username(person.id))


def people_query(reach: Reach) -> Select:
    """The people `reach` reads (services/grids/visibility.py), joined to their org unit."""
    return (
        select(Person)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(people_visible(reach, OrgUnit.path))
        .order_by(Person.id)
    )


def person(session: Session, reach: Reach, person_id: int) -> Person | None:
    return session.scalar(people_query(reach).where(Person.id == person_id))


def people(session: Session, reach: Reach, org_unit_id, role, q, page, per_page) -> tuple[list, int]:
    query = people_query(reach)
    if org_unit_id is not None:
        unit = session.get(OrgUnit, org_unit_id)
        query = query.where(OrgUnit.path.startswith(unit.path if unit else "//none"))
    if role:
        # roles is a JSON list; match the quoted value so `member` does not match `team_member`
        query = query.where(contains_text([cast(Person.roles, Text)], f'"{role}"'))
    if q:
        match = contains_text([Person.name], q)
        if reach.sees_pii:  # a phone finds its owner by blind index, for whoever may see phones
            match = or_(match, phone_matches(Person.phone_bidx, q))
        query = query.where(match)
    return paginate(session, query, page, per_page)


def household_dict(
    household: Household, residents: list[Resident], sees_pii: bool, full_ids: bool | None = None
) -> dict:
    """`sees_pii`: phone numbers in full; `full_ids`: ID numbers too (default: the same)."""
    full_ids = sees_pii if full_ids is None else full_ids

    def phone(value):
        return value if sees_pii else mask_phone(value)

    return {
        "id": household.id,
        "code": household.code,
        "grid_id": household.grid_id,
        "address": household.address,
        "head_name": household.head_name,
        "phone": phone(household.phone),
        "residents": [
            {
                "id": r.id,
                "name": r.name,
                "relation": r.relation,
                "phone": phone(r.phone),
                "id_number": r.id_number if full_ids else mask_id_number(r.id_number),
            }
            for r in residents
        ],
    }


def households_query(reach: Reach) -> Select:
    """The households `reach` reads, joined to their grid."""
    return (
        select(Household)
        .join(OrgUnit, OrgUnit.id == Household.grid_id)
        .where(households_visible(reach, OrgUnit.path))
        .order_by(Household.id)
    )


def household(session: Session, reach: Reach, household_id: int) -> dict | None:
    row = session.scalar(households_query(reach).where(Household.id == household_id))
    if row is None:
        return None
    residents = residents_of(session, [row.id]).get(row.id, [])
    return household_dict(row, residents, reach.full_household(row.id), reach.full_id_numbers(row.id))


def households(
    session: Session, reach: Reach, grid_id, org_unit_id, page, per_page
) -> tuple[list[dict], int]:
    query = households_query(reach)
    if grid_id is not None:
        query = query.where(Household.grid_id == grid_id)
    if org_unit_id is not None:
        unit = session.get(OrgUnit, org_unit_id)
        query = query.where(OrgUnit.path.startswith(unit.path if unit else "//none"))
    rows, total = paginate(session, query, page, per_page)
    residents = residents_of(session, [h.id for h in rows])
    return [
        household_dict(h, residents.get(h.id, []), reach.full_household(h.id), reach.full_id_numbers(h.id))
        for h in rows
    ], total


def residents_of(session: Session, household_ids: list[int]) -> dict[int, list[Resident]]:
    by_household: dict[int, list[Resident]] = {}
    if household_ids:
        for r in session.scalars(
            select(Resident).where(Resident.household_id.in_(household_ids)).order_by(Resident.id)
        ):
            by_household.setdefault(r.household_id, []).append(r)
    return by_household


def link_dict(link: Link) -> dict:
    return {
        "id": link.id,
        "kind": link.kind,
        "kind_label": LINK_LABELS[LinkKind(link.kind)],
        "source_id": link.source_id,
        "target_id": link.target_id,
        "active": link.active_key == 0,
        "created_at": link.created_at,
        "ended_at": link.ended_at,
    }


def target_path_join(query: Select) -> tuple[Select, object, object]:
    """Join each link to the org unit it concerns (a household's grid, or the grid/village
    itself); the unit's id and path as columns. Two equi-joins rather than one join on a
    COALESCE: the planner then finds rows by key even before a fresh table has statistics
    (a join on an expression became a nested loop over every pair: seconds for 4,000 links)."""
    house = aliased(Household)
    grid = aliased(OrgUnit)  # a household's grid
    place = aliased(OrgUnit)  # the grid or village a cadre or team link names
    is_household = Link.kind == LinkKind.member_household.value
    query = (
        query.outerjoin(house, is_household & (house.id == Link.target_id))
        .outerjoin(grid, grid.id == house.grid_id)
        .outerjoin(place, ~is_household & (place.id == Link.target_id))
    )
    return query, func.coalesce(grid.id, place.id), func.coalesce(grid.path, place.path)


def links(session: Session, reach: Reach, kind, source_id, target_id, page, per_page) -> tuple[list, int]:
    query, _, path = target_path_join(select(Link))
    query = query.where(links_visible(reach, path), Link.active_key == 0).order_by(Link.id)
    if kind:
        query = query.where(Link.kind == kind)
    if source_id is not None:
        query = query.where(Link.source_id == source_id)
    if target_id is not None:
        query = query.where(Link.target_id == target_id)
    return paginate(session, query, page, per_page)


def departments(session: Session, actor: Actor) -> list[Department]:
    """The departments that serve the caller's places (the county's, their own township's
    指挥室) and those within their scope: what they may route a matter to. Another
    township's 指挥室 is neither."""
    rows = session.execute(
        select(Department, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == Department.org_unit_id)
        .order_by(Department.code)
    ).all()
    return [d for d, path in rows if actor.covers(path) or actor.sees_ancestor_of(path)]


def department_names(session: Session) -> dict[str, str]:
    return {str(i): name for i, name in session.execute(select(Department.id, Department.name))}


def existing_departments(session: Session, ids: list[int]) -> list[int]:
    return list(session.scalars(select(Department.id).where(Department.id.in_(ids))))


def people_with_role_at(session: Session, role: Role, unit_ids: list[int]) -> list[Person]:
    candidates = session.scalars(select(Person).where(Person.org_unit_id.in_(unit_ids), Person.active)).all()
    return [p for p in candidates if role.value in p.roles]


def linked_sources(session: Session, kind: LinkKind, target_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(Link.source_id).where(
                Link.kind == kind.value, Link.target_id.in_(target_ids), Link.active_key == 0
            )
        )
    )


def linked_targets(session: Session, kind: LinkKind, source_ids: list[int]) -> list[int]:
    return list(
        session.scalars(
            select(Link.target_id).where(
                Link.kind == kind.value, Link.source_id.in_(source_ids), Link.active_key == 0
            )
        )
    )


def units_under(session: Session, path: str) -> list[OrgUnit]:
    return list(session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(path)).order_by(OrgUnit.path)))


def units_by_id(session: Session, ids: list[int]) -> list[OrgUnit]:
    return (
        list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.id))) if ids else []
    )


def names_by_id(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    if not ids:
        return []
    return list(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)).order_by(Person.id)))


def responsible_for_grid(session: Session, grid: OrgUnit) -> dict:
    """Who answers for a grid: its grid workers, the cadres linked to it, the village
    secretary, and the team cadres linked to its village."""
    village_id = grid.parent_id
    team_ids = linked_sources(session, LinkKind.team_village, [village_id])
    team_cadres = (
        session.scalars(select(Person.id).where(Person.team_id.in_(team_ids), Person.active)).all()
        if team_ids
        else []
    )
    return {
        "grid_id": grid.id,
        "village_id": village_id,
        "org_path": grid.path,
        "grid_workers": [p.id for p in people_with_role_at(session, Role.grid_worker, [grid.id])],
        "cadres": linked_sources(session, LinkKind.cadre_grid, [grid.id]),
        "village_secretaries": [
            p.id for p in people_with_role_at(session, Role.village_secretary, [village_id])
        ],
        "team_cadres": list(team_cadres),
    }


def links_snapshot(session: Session, kind: LinkKind, after_id: int, limit: int) -> list[dict]:
    """Active links of one kind with the place of their target, in id order, for bulk
    replication by other services (e.g. tasks builds monthly visit lists from these)."""
    query, unit_id, path = target_path_join(select(Link.id, Link.source_id, Link.target_id))
    rows = session.execute(
        query.add_columns(unit_id, path)
        .where(Link.kind == kind.value, Link.active_key == 0, Link.id > after_id)
        .order_by(Link.id)
        .limit(limit)
    ).all()
    result = []
    for link_id, source_id, target_id, unit_id, path in rows:
        ids = [int(p) for p in path.strip("/").split("/")]  # county, township, village, grid
        result.append(
            {
                "id": link_id,
                "source_id": source_id,
                "target_id": target_id,
                "org_unit_id": unit_id,
                "org_path": path,
                "township_id": ids[1] if len(ids) > 1 else None,
                "village_id": ids[2] if len(ids) > 2 else None,
                "grid_id": ids[3] if len(ids) > 3 else None,
            }
        )
    return result


def team_members(session: Session, team_ids: list[int]) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {str(t): [] for t in team_ids}
    if team_ids:
        rows = session.execute(
            select(Person.team_id, Person.id)
            .where(Person.team_id.in_(team_ids), Person.active)
            .order_by(Person.id)
        )
        for team_id, person_id in rows:
            members[str(team_id)].append(person_id)
    return members


def department_staff(session: Session, department_ids: list[int]) -> dict[str, list[int]]:
    """{department id: its staff} (JSON object keys are strings on the bus)."""
    staff: dict[str, list[int]] = {str(d): [] for d in department_ids}
    if not department_ids:
        return staff
    rows = session.execute(
        select(Person.department_id, Person.id, Person.roles)
        .where(Person.department_id.in_(department_ids))
        .order_by(Person.id)
    )
    for department_id, person_id, roles in rows:
        if Role.department_staff.value in (roles or []):
            staff[str(department_id)].append(person_id)
    return staff


def role_holders(session: Session, role: Role, unit_ids: list[int]) -> dict[str, list[int]]:
    """{unit id: people holding `role` there} (JSON object keys are strings on the bus)."""
    holders: dict[str, list[int]] = {str(u): [] for u in unit_ids}
    for person in people_with_role_at(session, role, unit_ids) if unit_ids else []:
        holders[str(person.org_unit_id)].append(person.id)
    return holders


def person_placement(session: Session, reach: Reach, person_id: int) -> dict | None:
    """A person's roles and place, if `reach` reads them (else None: not found or not theirs)."""
    row = session.execute(
        select(Person, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(people_visible(reach, OrgUnit.path), Person.id == person_id)
    ).first()
    if row is None:
        return None
    person, unit = row
    return {
        "id": person.id,
        "name": person.name,
        "roles": list(person.roles),
        "org_unit_id": unit.id,
        "org_path": unit.path,
        "level": unit.level,
        "active": person.active,
    }


def place_name(session: Session, path: str) -> str | None:
    """`乡镇 / 村 / 网格` of a place, below the county."""
    ids = [int(p) for p in path.strip("/").split("/") if p][1:]
    if not ids:
        return None
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all())
    return " / ".join(names[i] for i in ids if i in names) or None


def requester_contact(
    session: Session, person_id: int | None, household_id: int | None, org_path: str | None = None
) -> dict:
    """Whoever raised a matter, with their phone in full: the person (a resident's own
    household with them), else the household a visit found it in; the place is theirs, else
    `org_path` (the matter's). Unknown ids give nothing."""
    found: dict = dict.fromkeys(
        ("person_id", "name", "phone", "household_id", "household_name", "address", "place_name")
    )
    person = session.get(Person, person_id) if person_id is not None else None
    if person is not None:
        found |= {"person_id": person.id, "name": person.name, "phone": person.phone}
        unit = session.get(OrgUnit, person.org_unit_id)
        found["place_name"] = place_name(session, unit.path) if unit else None
        if household_id is None and Role.resident.value in person.roles:
            own = own_households(session, person.id)
            household_id = own[0] if own else None
    household = session.get(Household, household_id) if household_id is not None else None
    if household is not None:
        grid = session.get(OrgUnit, household.grid_id)
        found |= {
            "household_id": household.id,
            "household_name": f"{household.head_name}户",
            "address": household.address,
            "place_name": place_name(session, grid.path) if grid else found["place_name"],
        }
        if person is None:
            found |= {"name": household.head_name, "phone": household.phone}
    if found["place_name"] is None and org_path:
        found["place_name"] = place_name(session, org_path)
    return found


def lives_in(session: Session, person: Person, household_id: int) -> bool:
    """Whether a person belongs to the household (their phone is the household's or one of its
    residents'), compared by blind index: a member is never linked to their own home, which
    would let them rate their own visits."""
    if not person.phone_bidx:
        return False
    own = select(Household.id).where(Household.id == household_id, Household.phone_bidx == person.phone_bidx)
    member = select(Resident.id).where(
        Resident.household_id == household_id, Resident.phone_bidx == person.phone_bidx
    )
    return session.scalar(select(own.exists() | member.exists())) or False
