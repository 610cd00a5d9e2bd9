import pytest

from services.grids.domain import (
    Actor,
    Level,
    LinkKind,
    OrgRuleError,
    Role,
    check_link,
    check_parent,
    check_role_place,
    child_path,
    mask_id_number,
    mask_phone,
    may,
    minimal_paths,
    scope_paths,
    valid_id_number,
)


def test_child_path_nests_under_parent():
    assert child_path(None, 1) == "/1/"
    assert child_path("/1/", 5) == "/1/5/"


@pytest.mark.parametrize(
    ("level", "parent", "ok"),
    [
        (Level.county, None, True),
        (Level.township, Level.county, True),
        (Level.grid, Level.village, True),
        (Level.grid, Level.township, False),
        (Level.village, None, False),
    ],
)
def test_parent_levels(level, parent, ok):
    if ok:
        check_parent(level, parent)
    else:
        with pytest.raises(OrgRuleError, match="上级必须是"):
            check_parent(level, parent)


def test_role_must_sit_at_its_level():
    check_role_place([Role.grid_worker], Level.grid)
    with pytest.raises(OrgRuleError, match="网格员只能落在网格"):
        check_role_place([Role.grid_worker], Level.village)


def test_scope_of_each_role():
    assert scope_paths([Role.township_leader], "/1/2/", None, [], []) == ["/1/2/"]
    # a grid worker sees their own grid and the grids they are linked to
    assert scope_paths([Role.grid_worker], "/1/2/6/36/", None, ["/1/2/6/37/"], []) == [
        "/1/2/6/36/",
        "/1/2/6/37/",
    ]
    # a team cadre sees the villages their team is linked to, not their township
    assert scope_paths([Role.team_cadre], "/1/2/", None, [], ["/1/2/6/", "/1/2/7/"]) == ["/1/2/6/", "/1/2/7/"]
    assert scope_paths([Role.department_staff], "/1/", "/1/", [], []) == ["/1/"]
    # roles combine and a covered path is dropped
    assert scope_paths([Role.village_cadre, Role.member], "/1/2/6/", None, ["/1/2/6/36/"], []) == ["/1/2/6/"]


def test_minimal_paths_drops_covered():
    assert minimal_paths(["/1/2/", "/1/2/6/", "/1/3/"]) == ["/1/2/", "/1/3/"]


def test_actor_covers_only_its_subtree():
    actor = Actor(person_id=1, roles=frozenset({"township_leader"}), scope_paths=("/1/2/",))
    assert actor.covers("/1/2/6/")
    assert not actor.covers("/1/3/")
    assert not actor.covers("/1/")
    assert actor.sees_ancestor_of("/1/")
    # /1/2/ must not cover /1/20/
    assert not actor.covers("/1/20/")


def test_write_roles():
    leader = Actor(1, frozenset({"township_leader"}), ("/1/2/",))
    member = Actor(2, frozenset({"member"}), ("/1/2/6/36/",))
    assert may(leader, "org_unit.create") and may(leader, "import")
    assert not may(member, "person.create") and not may(member, "link.change")


def test_link_rules():
    check_link(LinkKind.member_household, ["member"], Level.grid)
    with pytest.raises(OrgRuleError, match="党员"):
        check_link(LinkKind.member_household, ["grid_worker"], Level.grid)
    with pytest.raises(OrgRuleError, match="网格"):
        check_link(LinkKind.cadre_grid, ["village_cadre"], Level.village)
    with pytest.raises(OrgRuleError, match="村"):
        check_link(LinkKind.team_village, None, Level.grid)


def test_id_number_check_digit():
    assert valid_id_number("11010519491231002X")
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("1101051949")


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone(None) is None
