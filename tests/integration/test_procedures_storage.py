"""Procedures on PostgreSQL through the service's own commands (issue 7): two writers for one
village never fork its chain; a major matter's assignment waits for its procedure, and a
template's new version leaves running procedures alone; the project board side by side."""

import tempfile
from datetime import UTC, date, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select

from common.errors import DomainError
from common.scope import Actor
from services.tasks import models
from services.tasks.fieldwork import commands as fieldwork
from services.tasks.fieldwork.attachments import LocalStore
from services.tasks.procedures import commands, queries
from services.tasks.procedures.models import LedgerEntry
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow.models import Assignment
from tests.conftest import make_uow_factory
from tests.photos import PDF, jpeg

GUARDS = (commands.require_completed_procedure,)  # as services/tasks/service.py composes them
ADMIN = Actor(1, "管理员", frozenset({"county_admin"}), 1, None, ("/1/",))
LEADER = Actor(2, "镇领导", frozenset({"township_leader"}), 2, None, ("/1/2/",))
SEC3 = Actor(3, "书记甲", frozenset({"village_secretary"}), 3, None, ("/1/2/3/",))
SEC4 = Actor(4, "书记乙", frozenset({"village_secretary"}), 4, None, ("/1/2/4/",))
SEC7 = Actor(7, "书记丙", frozenset({"village_secretary"}), 7, None, ("/1/6/7/",))
UNITS = {
    1: {"id": 1, "level": "county", "name": "县", "path": "/1/", "parent_id": None},
    2: {"id": 2, "level": "township", "name": "镇", "path": "/1/2/", "parent_id": 1},
    3: {"id": 3, "level": "village", "name": "甲村", "path": "/1/2/3/", "parent_id": 2},
    4: {"id": 4, "level": "village", "name": "乙村", "path": "/1/2/4/", "parent_id": 2},
    6: {"id": 6, "level": "township", "name": "另一镇", "path": "/1/6/", "parent_id": 1},
    7: {"id": 7, "level": "village", "name": "丙村", "path": "/1/6/7/", "parent_id": 6},
}


class Org:
    def units(self, ids):
        return [UNITS[i] for i in ids if i in UNITS]

    def subtree(self, unit_id):
        return [u for u in UNITS.values() if u["path"].startswith(UNITS[unit_id]["path"])]

    def responsible_for_grid(self, grid_id):
        return {"grid_workers": [], "cadres": []}


@pytest.fixture(scope="module")
def uow_factory(pg_databases):
    return make_uow_factory(pg_databases("tasks"), models)


STORE = LocalStore(tempfile.mkdtemp(prefix="attachments-"))


def _upload(uow_factory, actor: Actor, content: bytes = PDF) -> int:
    """A file uploaded by `actor` before the step that names it (evidence must be real)."""
    with uow_factory() as uow:
        attachment = fieldwork.store_attachment(uow.session, actor, "材料", content, STORE)
        uow.commit()
        return attachment.id


def test_two_writers_for_one_village_never_fork_the_chain(uow_factory):
    def writer(n: int) -> None:
        for i in range(15):
            with uow_factory() as uow:
                row = commands.ledger_row(
                    datetime.now(UTC), SEC3, "step_completed", "/1/2/3/", detail={"w": n, "i": i}
                )
                commands.write_ledger(uow.session, [row])
                eventlet.sleep(0)  # hand over while holding the head: the other writer must wait
                uow.commit()

    pool = eventlet.GreenPool()
    for n in range(4):
        pool.spawn(writer, n)
    pool.waitall()
    with uow_factory() as uow:
        rows = uow.session.scalars(select(LedgerEntry).where(LedgerEntry.chain == "/1/2/3/")).all()
        assert sorted(r.chain_seq for r in rows) == list(range(1, 61))
        assert len({r.prev_hash for r in rows}) == 60  # no two rows hang off the same link
        report = queries.verify(uow.session, ADMIN, {"ledger": "pr", "village_id": 3})
        assert report["ok"] is True and report["rows"] == 60, report


def _evidence(step: dict, now: datetime, files: dict) -> dict:
    evidence = {}
    kinds = step["evidence"]
    if "proposals" in kinds:
        evidence["proposals"] = [{"source": "resident", "name": "", "content": "建议"}]
    if "summary" in kinds:
        evidence["summary"] = "说明"
    if "held_at" in kinds:
        evidence["held_at"] = now
    if "minutes" in kinds:
        evidence["minutes"] = [files["document"]]
    if "attendance" in kinds:
        evidence["attendance"] = {"entitled": 10, "present": 9, "names": [str(i) for i in range(9)]}
    if "votes" in kinds:
        evidence["votes"] = {"for": 9, "against": 0, "abstain": 0}
    if "photos" in kinds:
        evidence["photos"] = [files["photo"]]
    if "notice" in kinds:
        evidence["notice"] = {
            "posted_at": now,
            "until": now + timedelta(days=7),
            "place": "公开栏",
            "text": "",
        }
    return evidence


def test_major_matter_waits_for_its_procedure_and_versions_keep(uow_factory):
    minutes, photo, plan = (
        _upload(uow_factory, LEADER),
        _upload(uow_factory, SEC3, jpeg()),
        _upload(uow_factory, SEC3),
    )
    t0 = datetime.now(UTC)
    org = Org()
    with uow_factory() as uow:
        taskflow.seed_default(uow, t0)
        commands.seed_templates(uow, t0)
        task = taskflow.submit_task(
            uow, LEADER, {"title": "村级工程", "matter_code": "NY007", "target_ids": [3]}, org, t0
        )
        taskflow.approve_task(uow, LEADER, task.id, t0)
        taskflow.record_decision(
            uow,
            LEADER,
            task.id,
            {"meeting_date": date.today(), "attendees": ["甲"], "decision": "同意", "minutes": [minutes]},
            t0,
        )
        _, (aid,) = taskflow.dispatch_task(uow, LEADER, task.id, {}, org, t0)
        taskflow.claim(uow, SEC3, aid, t0)
        evidence = {
            "text": "完工",
            "photos": [photo],
            "attachments": [plan],
            "location": {"lat": 1, "lng": 1},
        }
        taskflow.submit(uow, SEC3, aid, evidence, t0)
        uow.commit()
    with uow_factory() as uow:
        with pytest.raises(DomainError) as err:
            taskflow.accept(uow, LEADER, aid, t0, guards=GUARDS)
        assert err.value.code == "procedure_required"
    with uow_factory() as uow:
        with pytest.raises(DomainError) as err:  # out of the village's scope
            commands.start_procedure(uow, SEC4, {"template_code": "WYLGK", "assignment_id": aid}, org, t0)
        assert err.value.code == "not_found"
        with pytest.raises(DomainError) as err:  # the joint meeting does not apply to this matter
            commands.start_procedure(uow, SEC3, {"template_code": "LXHY", "assignment_id": aid}, org, t0)
        assert err.value.code == "conflict"
        p = commands.start_procedure(uow, SEC3, {"template_code": "WYLGK", "assignment_id": aid}, org, t0)
        uow.commit()
        pid = p.id
    with uow_factory() as uow:  # the county adjusts the template; the running procedure keeps v1
        steps = commands.current_template(uow.session, "WYLGK").steps
        v2 = commands.update_template(uow, ADMIN, "WYLGK", {"steps": steps[:2]}, t0)
        assert v2.version == 2
        with pytest.raises(DomainError) as err:
            commands.update_template(uow, LEADER, "WYLGK", {"name": "x"}, t0)
        assert err.value.code == "forbidden"
        uow.commit()
    for position in range(7):
        files = {"document": _upload(uow_factory, SEC3), "photo": _upload(uow_factory, SEC3, jpeg())}
        with uow_factory() as uow:
            now = datetime.now(UTC)
            template = commands.current_template(uow.session, "WYLGK")
            v1 = next(t for t in queries.template_versions(uow.session, "WYLGK") if t.version == 1)
            assert template.version == 2
            p, failures = commands.complete_step(
                uow, SEC3, pid, position, _evidence(v1.steps[position], now, files), now
            )
            assert failures == []
            uow.commit()
    assert p.status == "completed"
    with uow_factory() as uow:
        a = taskflow.accept(uow, LEADER, aid, datetime.now(UTC), guards=GUARDS)
        uow.commit()
        assert uow.session.get(Assignment, a.id).status == "accepted"
        assert queries.verify(uow.session, ADMIN, {})["ok"] is True


def test_project_board_side_by_side(uow_factory):
    site3, site4 = _upload(uow_factory, SEC3), _upload(uow_factory, SEC4)
    org = Org()
    t0 = datetime.now(UTC)
    with uow_factory() as uow:
        taskflow.seed_default(uow, t0)
        with pytest.raises(DomainError) as err:
            commands.post_project(
                uow,
                LEADER,
                {
                    "title": "x",
                    "description": "x",
                    "budget": 1,
                    "criteria": ["x"],
                    "matter_code": "XX999",
                    "deadline": t0 + timedelta(days=1),
                },
                org,
                t0,
            )
        assert err.value.code == "validation_failed"
        body = {
            "title": "共富工坊",
            "description": "建设共富工坊一处",
            "budget": 500000,
            "criteria": ["基础", "带动"],
            "matter_code": "DJ001",
            "deadline": t0 + timedelta(hours=1),
        }
        project = commands.post_project(uow, LEADER, body, org, t0)
        uow.commit()
    bid = {"case": "基础好", "attachments": [site3]}
    with uow_factory() as uow:
        b3 = commands.submit_bid(uow, SEC3, project.id, bid, org, t0)
        with pytest.raises(DomainError) as err:  # another village's file is not this village's evidence
            commands.submit_bid(uow, SEC4, project.id, {**bid, "case": "带动强"}, org, t0)
        assert err.value.code == "evidence_not_uploaded"
        assert err.value.fields == {"attachments": [f"附件 {site3} 不是本人或本村上传的"]}
        bid = {"case": "带动强", "attachments": [site4]}
        b4 = commands.submit_bid(uow, SEC4, project.id, bid, org, t0)
        commands.submit_bid(uow, SEC4, project.id, {**bid, "case": "带动强,已有合作社"}, org, t0)  # revised
        with pytest.raises(DomainError) as err:  # another township's village does not see it
            commands.submit_bid(uow, SEC7, project.id, bid, org, t0)
        assert err.value.code == "not_found"
        with pytest.raises(DomainError) as err:
            commands.award_project(uow, LEADER, project.id, {"bid_id": b4.id, "reason": "x"}, org, t0)
        assert err.value.code == "conflict"  # bidding still open
        uow.commit()
    with uow_factory() as uow:
        p = commands.get_project(uow.session, SEC3, project.id)
        assert [b.village_id for b in queries.visible_bids(uow.session, SEC3, p, t0)] == [3]
        assert [b.village_id for b in queries.visible_bids(uow.session, LEADER, p, t0)] == [3, 4]
    later = t0 + timedelta(hours=2)
    with uow_factory() as uow:
        with pytest.raises(DomainError) as err:
            commands.submit_bid(uow, SEC3, project.id, bid, org, later)
        assert err.value.code == "bidding_closed"
        awarded = commands.award_project(
            uow, LEADER, project.id, {"bid_id": b4.id, "reason": "带动作用最强"}, org, later
        )
        assert {e.type for e in uow.events} >= {
            "grassroots.tasks.project.awarded.v1",
            "grassroots.tasks.task.dispatched.v1",
        }
        uow.commit()
    with uow_factory() as uow:
        p = commands.get_project(uow.session, SEC3, project.id)
        bids = queries.visible_bids(uow.session, SEC3, p, later)
        assert {(b.village_id, b.status) for b in bids} == {(3, "lost"), (4, "won")}
        # beside the case, the awarder sees what each file is (a revision keeps its files)
        won = queries.bid_dict(next(b for b in bids if b.village_id == 4))
        assert [(f["id"], f["field"], f["kind"], f["filename"]) for f in won["files"]] == [
            (site4, "attachments", "document", "材料.pdf")
        ]
        assigned = uow.session.scalars(select(Assignment).where(Assignment.task_id == awarded.task_id)).all()
        assert [a.village_id for a in assigned] == [4]
        stats = queries.stats(uow.session, LEADER, {})
        assert (
            stats["projects_posted"],
            stats["projects_awarded"],
            stats["bids"],
            stats["villages_bidding"],
        ) == (
            1,
            1,
            2,
            2,
        )
        assert b3.id != b4.id
