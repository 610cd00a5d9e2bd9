"""How far a person's reads of people and households go (least privilege), in plain Python.

Roles with a place of responsibility (`PLACE_READ_ROLES`) read people and households by
place: everything under their scope. The others read only what is theirs:

- a linked member: the households linked to them (党员联户), phone numbers in full (they must
  call them), ID numbers masked (a volunteer has no use for them);
- a resident: their own household (and its residents), in full;
- department staff: the people and households tied to the orders (点兵点将) their
  department holds or took, masked;
- everyone: their own person record, in full.

Login usernames are shown only to the roles that administer accounts, and to the person
themself. `services/grids/visibility.py` turns a `Reach` into the SQL filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.grids.domain import Actor, Role, may

PLACE_READ_ROLES = {
    Role.county_admin,
    Role.township_leader,
    Role.village_secretary,
    Role.village_cadre,
    Role.grid_worker,
    Role.team_cadre,
}


@dataclass(frozen=True)
class Reach:
    person_id: int
    places: tuple[str, ...]  # subtrees read by place; empty for member, resident, department staff
    person_ids: frozenset[int]  # read outside `places`: oneself and the parties to one's orders
    linked_ids: frozenset[int]  # one's own concern (linked or own household): phones in full
    own_ids: frozenset[int]  # one's own household: ID numbers in full as well
    ordered_ids: frozenset[int]  # households of one's department's orders: masked
    sees_pii: bool  # full numbers of everyone read (PII_ROLES)
    sees_usernames: bool  # logins of everyone read (the roles that administer accounts)

    @property
    def household_ids(self) -> frozenset[int]:
        return self.linked_ids | self.ordered_ids

    def full_household(self, household_id: int) -> bool:
        """Phone numbers in full."""
        return self.sees_pii or household_id in self.linked_ids

    def full_id_numbers(self, household_id: int) -> bool:
        return self.sees_pii or household_id in self.own_ids

    def full_person(self, person_id: int) -> bool:
        return self.sees_pii or person_id == self.person_id

    def shows_username(self, person_id: int) -> bool:
        return self.sees_usernames or person_id == self.person_id


def reads_by_place(actor: Actor) -> bool:
    return any(Role(r) in PLACE_READ_ROLES for r in actor.roles)


def reach_of(
    actor: Actor,
    linked_households: Iterable[int] = (),
    own_households: Iterable[int] = (),
    ordered_people: Iterable[int] = (),
    ordered_households: Iterable[int] = (),
) -> Reach:
    """The reach of `actor`, given what the stores know of them; each kind counts only for
    the role it belongs to, so a stray id never widens anyone's reach."""
    roles = {Role(r) for r in actor.roles}
    member, resident = Role.member in roles, Role.resident in roles
    staff = Role.department_staff in roles
    linked = set(linked_households) if member else set()
    own = set(own_households) if resident else set()
    linked |= own
    return Reach(
        person_id=actor.person_id,
        places=tuple(actor.scope_paths) if reads_by_place(actor) else (),
        person_ids=frozenset({actor.person_id, *(ordered_people if staff else ())}),
        linked_ids=frozenset(linked),
        own_ids=frozenset(own),
        ordered_ids=frozenset(ordered_households if staff else ()),
        sees_pii=actor.sees_pii,
        sees_usernames=may(actor, "account.grant"),
    )
