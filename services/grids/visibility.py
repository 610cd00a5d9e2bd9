"""Which people, households and links a reader sees: the SQL of `reach.Reach`.

One predicate per resource, used both to filter a list and to load one row (a row the
predicate leaves out is a 404), so the two can never disagree.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from common.storage import in_scope
from services.grids.domain import Actor, LinkKind, Role
from services.grids.models import Household, Link, Person, Resident
from services.grids.reach import Reach, reach_of


def load_reach(session: Session, actor: Actor, orders: dict | None = None) -> Reach:
    """The actor's reach from this store's links and households; `orders` are the parties
    to their department's orders as tasks knows them (`person_ids`, `household_ids`)."""
    roles = actor.roles
    linked = linked_households(session, actor.person_id) if Role.member.value in roles else []
    own = own_households(session, actor.person_id) if Role.resident.value in roles else []
    orders = orders or {}
    return reach_of(
        actor,
        linked_households=linked,
        own_households=own,
        ordered_people=orders.get("person_ids", ()),
        ordered_households=orders.get("household_ids", ()),
    )


def linked_households(session: Session, member_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Link.target_id).where(
                Link.kind == LinkKind.member_household.value,
                Link.source_id == member_id,
                Link.active_key == 0,
            )
        )
    )


def own_households(session: Session, person_id: int) -> list[int]:
    """A resident's household: the one in their own grid that lists them as a resident, by
    ID number (the person record and the household roll share no key but the citizen's)."""
    person = session.get(Person, person_id)
    if person is None or not person.id_number:
        return []
    # ID numbers are sealed with a fresh nonce each (common.sealed): compared once opened, over
    # the residents of one grid (a few dozen households)
    rows = session.execute(
        select(Household.id, Resident.id_number)
        .join(Resident, Resident.household_id == Household.id)
        .where(Household.grid_id == person.org_unit_id)
    )
    return sorted({household for household, id_number in rows if id_number == person.id_number})


def _ids(column, ids: frozenset[int]):
    return column.in_(sorted(ids)) if ids else false()


def people_visible(reach: Reach, unit_path):
    """SQL over Person joined to its org unit (`unit_path`)."""
    return or_(in_scope(unit_path, reach.places), _ids(Person.id, reach.person_ids))


def households_visible(reach: Reach, grid_path):
    """SQL over Household joined to its grid (`grid_path`)."""
    return or_(in_scope(grid_path, reach.places), _ids(Household.id, reach.household_ids))


def links_visible(reach: Reach, target_path):
    """SQL over Link joined to the unit it concerns: by place, or the member↔household links
    of one's own concern (a member's own links, a resident's household's member)."""
    own = and_(Link.kind == LinkKind.member_household.value, _ids(Link.target_id, reach.linked_ids))
    return or_(in_scope(target_path, reach.places), own)
