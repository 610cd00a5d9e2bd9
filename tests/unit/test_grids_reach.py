"""The least-privilege read rules of grids (services/grids/reach.py), role by role."""

import pytest

from services.grids.domain import Actor
from services.grids.reach import reach_of

SCOPE = ("/1/5/23/77/",)


def who(*roles, person_id=9) -> Actor:
    return Actor(person_id=person_id, roles=frozenset(roles), scope_paths=SCOPE)


@pytest.mark.parametrize(
    "role",
    ["county_admin", "township_leader", "village_secretary", "village_cadre", "grid_worker", "team_cadre"],
)
def test_roles_with_a_place_read_by_place(role):
    reach = reach_of(who(role))
    assert reach.places == SCOPE
    assert reach.person_ids == {9} and reach.household_ids == set()


@pytest.mark.parametrize("role", ["member", "resident", "department_staff"])
def test_member_resident_and_department_staff_do_not_read_their_grid(role):
    reach = reach_of(who(role))
    assert reach.places == ()
    assert reach.person_ids == {9}  # themself only
    assert reach.household_ids == set()


def test_member_reads_linked_households_in_full_and_nothing_of_other_kinds():
    reach = reach_of(
        who("member"),
        linked_households=[3, 4],
        own_households=[5],
        ordered_people=[6],
        ordered_households=[7],
    )
    assert reach.household_ids == {3, 4}
    assert reach.full_household(3) and reach.full_household(4)
    assert not reach.full_household(7)
    assert reach.person_ids == {9}


def test_resident_reads_own_household_in_full():
    reach = reach_of(who("resident"), linked_households=[3], own_households=[5])
    assert reach.household_ids == {5} and reach.full_household(5)
    assert not reach.full_household(3)


def test_department_staff_read_order_parties_masked():
    reach = reach_of(who("department_staff"), ordered_people=[6, 8], ordered_households=[7])
    assert reach.person_ids == {6, 8, 9}
    assert reach.household_ids == {7}
    assert not reach.full_household(7)
    assert not reach.full_person(6) and reach.full_person(9)


def test_pii_roles_see_every_number_they_read():
    reach = reach_of(who("grid_worker"))
    assert reach.full_household(123) and reach.full_person(456)
    assert not reach_of(who("team_cadre")).full_household(123)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("county_admin", True),
        ("township_leader", True),
        ("village_secretary", True),
        ("village_cadre", False),
        ("grid_worker", False),
        ("member", False),
        ("team_cadre", False),
        ("department_staff", False),
        ("resident", False),
    ],
)
def test_usernames_only_for_account_administrators_and_oneself(role, sees):
    reach = reach_of(who(role))
    assert reach.shows_username(1) is sees
    assert reach.shows_username(9)  # one's own login


def test_a_second_role_adds_its_reach():
    reach = reach_of(who("member", "grid_worker"), linked_households=[3])
    assert reach.places == SCOPE and reach.household_ids == {3}
