"""Pure rules of the roles as the articles give them (issue 17 part 8): team cadres dispatch
department-level matters of their team's villages (组团联村, 点兵点将); who may reach a
matter's requester and with which phone; which tasks their sender may withdraw; whom a
village may hand its assignment to directly; the audit of a read of personal data in full."""

import pytest

from common.scope import Actor
from gateway import auditing
from services.tasks.fieldwork import domain as fw
from services.tasks.fieldwork.domain import Level, MatterState, Status
from services.tasks.taskflow import domain as tf

GRID = "/1/2/3/4/"  # county 1, township 2, village 3, grid 4


def actor(roles, scope, id=1, department_id=None):
    return Actor(id, "某人", frozenset(roles), None, department_id, tuple(scope))


def matter(level=Level.department, status=Status.open, department_id=None, member_id=None, path=GRID):
    return MatterState(level, status, path, member_id, None, department_id, None)


# -- team cadres at the township platform ------------------------------------------------------


def test_a_team_cadre_dispatches_matters_of_their_teams_villages_only():
    team = actor(["team_cadre"], ["/1/2/3/", "/1/2/5/"])
    fw.check_dispatch(team, matter(), platform_staff=False)
    fw.check_dispatch(team, matter(path="/1/2/5/8/"), platform_staff=False)
    with pytest.raises(PermissionError):  # a village of the township outside their team
        fw.check_dispatch(team, matter(path="/1/2/6/9/"), platform_staff=False)
    with pytest.raises(fw.LadderError, match="四平台"):  # still only from department level
        fw.check_dispatch(team, matter(Level.village), platform_staff=False)
    with pytest.raises(fw.LadderError, match="接单"):
        fw.check_dispatch(team, matter(status=Status.taken, department_id=7), platform_staff=False)
    # the other roles of the village do not dispatch, whatever their scope
    for roles in (["village_secretary"], ["village_cadre"], ["grid_worker"], ["member"]):
        with pytest.raises(PermissionError):
            fw.check_dispatch(actor(roles, ["/1/2/3/"]), matter(), platform_staff=False)


def test_the_department_must_serve_the_place_whoever_dispatches():
    assert fw.serves(1, GRID) and fw.serves(2, GRID)  # the county's departments, the township's platform
    assert not fw.serves(6, GRID)  # another township's platform


# -- reaching the requester ----------------------------------------------------------------------


def test_the_department_that_took_the_order_reaches_the_requester():
    staff = actor(["department_staff"], ["/1/"], id=5, department_id=7)
    assert fw.reaches_requester(staff, matter(department_id=7))  # dispatched to it
    assert fw.reaches_requester(staff, matter(status=Status.taken, department_id=7))
    assert not fw.reaches_requester(staff, matter(department_id=8))  # another department's order
    assert not fw.reaches_requester(staff, matter())  # not dispatched yet
    assert not fw.reaches_requester(staff, matter(Level.grid))


def test_the_handlers_at_the_matters_level_reach_the_requester_in_scope():
    worker = actor(["grid_worker"], [GRID], id=11)
    secretary = actor(["village_secretary"], ["/1/2/3/"], id=12)
    leader = actor(["township_leader"], ["/1/2/"], id=13)
    team = actor(["team_cadre"], ["/1/2/3/"], id=14)
    member = actor(["member"], [GRID], id=15)
    platform = actor(["department_staff"], ["/1/2/"], id=16, department_id=9)
    # grid level: its worker, the village's cadres and secretary, the member who raised it
    assert fw.reaches_requester(worker, matter(Level.grid))
    assert fw.reaches_requester(secretary, matter(Level.grid))
    assert fw.reaches_requester(member, matter(Level.grid, member_id=15))
    assert not fw.reaches_requester(member, matter(Level.grid, member_id=99))
    assert not fw.reaches_requester(leader, matter(Level.grid))  # sees it, does not handle it
    assert not fw.reaches_requester(team, matter(Level.grid))
    # village level: the secretary only
    assert fw.reaches_requester(secretary, matter(Level.village))
    assert not fw.reaches_requester(worker, matter(Level.village))
    # department level: the township platform (leader, team cadres, its staff)
    assert fw.reaches_requester(leader, matter())
    assert fw.reaches_requester(team, matter())
    assert fw.reaches_requester(platform, matter(), platform_staff=True)
    assert not fw.reaches_requester(secretary, matter())
    assert not fw.reaches_requester(worker, matter())
    # outside scope nobody at any level
    elsewhere = "/1/6/7/8/"
    for who in (worker, secretary, leader, team):
        for level in Level:
            assert not fw.reaches_requester(who, matter(level, path=elsewhere)), (who.roles, level)


def test_the_phone_the_requester_left_comes_first():
    resident = {"name": "王建国", "phone": "13800000001", "household_id": 40, "household_name": "王建国户"}
    card = fw.requester_card(1, 30, None, "13900000002", resident | {"place_name": "一镇 / 一村 / 一格"})
    assert card == {
        "matter_id": 1,
        "kind": "person",
        "reporter_id": 30,
        "name": "王建国",
        "phone": "13900000002",
        "household_id": 40,
        "household_name": "王建国户",
        "address": None,
        "place_name": "一镇 / 一村 / 一格",
    }
    assert fw.requester_card(1, 30, None, None, resident)["phone"] == "13800000001"
    visit = fw.requester_card(2, None, 41, None, {"name": "李四", "phone": "13800000003", "household_id": 41})
    assert (visit["kind"], visit["name"], visit["phone"], visit["household_id"]) == (
        "household",
        "李四",
        "13800000003",
        41,
    )
    newcomer = fw.requester_card(3, None, None, "13700000004", {"place_name": "一镇 / 一村 / 二格"})
    assert (newcomer["kind"], newcomer["name"], newcomer["phone"]) == ("newcomer", None, "13700000004")
    assert fw.requester_card(4, None, None, None, None)["kind"] == "unknown"


# -- withdrawing a task ----------------------------------------------------------------------------


def test_only_a_task_waiting_for_its_code_or_for_review_can_be_withdrawn():
    for status in ("needs_code", "pending_review"):
        tf.check_withdraw(status)
    for status in ("approved", "dispatched", "done", "rejected", "returned", "withdrawn"):
        with pytest.raises(tf.TransitionError) as refused:
            tf.check_withdraw(status)
        assert refused.value.message.startswith(f"任务当前状态为“{tf.TASK_STATUS_LABELS[status]}”")
        assert "只有待补过筛编码或待审核的任务才能撤回" in refused.value.message
        assert refused.value.message_en.startswith(f"The task is {tf.TASK_STATUS_EN[status]}:")


def test_a_withdrawn_task_is_labelled_and_is_no_open_work():
    assert tf.TASK_STATUS_LABELS["withdrawn"] == "已撤回"
    assert "withdrawn" not in tf.OPEN_TASK_STATUSES and "withdrawn" not in tf.EDITABLE_TASK_STATUSES


# -- handing an assignment straight to a person -------------------------------------------------


def person(roles, path, level, active=True):
    return {"id": 7, "name": "张三", "roles": roles, "org_path": path, "level": level, "active": active}


def test_an_assignment_goes_to_the_villages_own_people_only():
    village = "/1/2/3/"
    assert tf.assignee_place(village, person(["village_cadre"], village, "village")) == village
    assert tf.assignee_place(village, person(["village_secretary"], village, "village")) == village
    # a grid worker holds it in their own grid
    assert tf.assignee_place(village, person(["grid_worker"], GRID, "grid")) == GRID
    # anyone else: another village, another role, inactive, or not readable (None from grids)
    assert tf.assignee_place(village, person(["village_cadre"], "/1/2/5/", "village")) is None
    assert tf.assignee_place(village, person(["grid_worker"], "/1/2/5/9/", "grid")) is None
    assert tf.assignee_place(village, person(["member"], GRID, "grid")) is None
    assert tf.assignee_place(village, person(["resident"], GRID, "grid")) is None
    assert tf.assignee_place(village, person(["team_cadre"], "/1/2/", "township")) is None
    assert tf.assignee_place(village, person(["village_cadre"], village, "village", active=False)) is None
    assert tf.assignee_place(village, None) is None
    assert tf.assignee_place("/1/2/3/", person(["village_cadre"], "/1/2/33/", "village")) is None


# -- the audit of a sensitive read -------------------------------------------------------------------


def test_a_read_of_personal_data_in_full_is_recorded():
    assert auditing.what_to_record("GET", 200, False, sensitive=True) == ("personal_data.read", "ok")
    assert auditing.what_to_record("GET", 200, False) is None
    assert auditing.what_to_record("GET", 404, False, sensitive=True) is None  # nothing was read
    assert auditing.what_to_record("GET", 403, False, sensitive=True) == ("request.refused", "refused")
