"""多头派单 at every level (issue 17 part 1), through taskflow's own commands on PostgreSQL:
two open pieces of work on the same matter for the same village overlap whatever their
targets (a township, several villages, one village) and whichever came first; screening
names the open task, and dispatch checks again on the villages that would receive it."""

from datetime import UTC, date, datetime, timedelta

import pytest

from common.errors import DomainError
from services.tasks import models
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain
from services.tasks.taskflow.models import Task, TaskTarget
from tests.conftest import make_uow_factory
from tests.integration.test_procedures_storage import ADMIN, LEADER, Org

NOW = datetime(2026, 11, 2, 2, tzinfo=UTC)
DEADLINE = date.today() + timedelta(days=10)


@pytest.fixture(scope="module")
def uow_factory(pg_databases):
    factory = make_uow_factory(pg_databases("tasks"), models)
    with factory() as uow:
        taskflow.seed_default(uow, NOW)
        uow.commit()
    return factory


def send(uow_factory, title, code, targets, actor=LEADER):
    with uow_factory() as uow:
        body = {"title": title, "target_ids": targets, "deadline": DEADLINE}
        if code:
            body["matter_code"] = code
        task = taskflow.submit_task(uow, actor, body, Org(), NOW)
        uow.commit()
        return task


def test_the_reach_of_two_targets_overlaps_at_village_grain():
    assert domain.reach_overlaps("/1/2/", "/1/2/3/")  # a township and one of its villages
    assert domain.reach_overlaps("/1/2/3/", "/1/2/")
    assert domain.reach_overlaps("/1/2/3/", "/1/2/3/")
    assert domain.reach_overlaps("/1/2/3/8/", "/1/2/3/9/")  # two grids of one village
    assert not domain.reach_overlaps("/1/2/3/", "/1/2/4/")  # sibling villages
    assert not domain.reach_overlaps("/1/2/", "/1/6/7/")  # another township's village


def test_overlap_is_caught_whatever_the_targets_and_whichever_came_first(uow_factory):
    township = send(uow_factory, "反诈宣传(全镇)", "PA001", [2])
    assert township.status == "pending_review"

    village = send(uow_factory, "反诈宣传(甲村)", "PA001", [3])  # after a township-wide one
    assert (village.status, village.reject_reason) == ("rejected", "duplicate")
    assert village.overlaps == [{"task_id": township.id, "title": "反诈宣传(全镇)", "places": ["镇"]}]
    assert f"编号 {township.id}" in domain.overlap_label(village.overlaps)

    first = send(uow_factory, "森林防火(乙村)", "FX006", [4])  # a village first, the township after
    later = send(uow_factory, "森林防火(全镇)", "FX006", [2])
    assert (later.status, later.reject_reason) == ("rejected", "duplicate")
    assert later.overlaps == [{"task_id": first.id, "title": "森林防火(乙村)", "places": ["乙村"]}]

    elsewhere = send(uow_factory, "反诈宣传(丙村)", "PA001", [7], ADMIN)  # another township: no overlap
    assert elsewhere.status == "pending_review" and elsewhere.overlaps is None

    # a task without a code is screened when its code comes, against what is open then
    uncoded = send(uow_factory, "请甲村开展反诈宣传", None, [3, 4])
    assert uncoded.status == "needs_code"
    with uow_factory() as uow:
        coded = taskflow.code_task(uow, LEADER, uncoded.id, "PA001", NOW)
        uow.commit()
    assert coded.status == "rejected" and coded.overlaps[0]["task_id"] == township.id


def test_dispatch_checks_again_on_the_villages_that_would_receive_it(uow_factory):
    task = send(uow_factory, "垃圾分类督导(甲村)", "RJ002", [3])
    with uow_factory() as uow:
        taskflow.approve_task(uow, LEADER, task.id, NOW)
        # open work on the same matter for 甲村 that arrived after screening (say, an awarded project)
        other = Task(
            title="垃圾分类揭榜项目",
            matter_code="RJ002",
            status="approved",
            sender_id=2,
            org_path="/1/2/3/",
            deadline=date.today() + timedelta(days=5),
            received_month="2026-11",
        )
        uow.session.add(other)
        uow.session.flush()
        uow.session.add(
            TaskTarget(task_id=other.id, org_unit_id=3, level="village", name="甲村", path="/1/2/3/")
        )
        uow.commit()
    with uow_factory() as uow, pytest.raises(DomainError) as refused:
        taskflow.dispatch_task(uow, LEADER, task.id, {}, Org(), NOW)
    assert refused.value.code == "conflict" and refused.value.status == 409
    assert "垃圾分类揭榜项目" in refused.value.message() and f"task {other.id}" in refused.value.message("en")
