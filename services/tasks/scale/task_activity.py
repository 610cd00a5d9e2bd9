"""A month of tasks in bulk: screened, approved, dispatched, claimed, submitted and accepted."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.china_time import CHINA
from services.tasks.scale.writer import LoaderActor, Writer
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain as tf_domain


def write_tasks(w: Writer, county, scale, catalogue: list, start: datetime, end: datetime):
    """Tasks sent down to villages: screened, reviewed, dispatched, worked on, accepted."""
    rng = w.rng
    tasks, targets, assignments, ledger = [], [], [], []
    villages_of: dict[int, list[int]] = {}
    for v in county.villages:
        villages_of.setdefault(county.parent[v], []).append(v)
    senders = [
        (d["id"], staff)
        for d in county.departments
        if d["org_unit_id"] == county.county_id
        for staff in county.department_staff[d["id"]]
    ]
    county_path = county.path[county.county_id]
    n_tasks = scale.tasks + scale.rejected_tasks
    for tid in range(1, n_tasks + 1):
        department, sender = rng.choice(senders)
        actor = LoaderActor(sender, "部门工作人员")
        received = start + timedelta(days=rng.uniform(0.5, 12), hours=rng.uniform(0, 10))
        matter = rng.choice(catalogue)
        whole_county = rng.random() < 0.2
        township = rng.choice(county.townships)
        unit = county.county_id if whole_county else township
        path = county_path if whole_county else county.path[township]
        leader = LoaderActor(county.township_leaders[township], "镇街分管领导")
        deadline = (received + timedelta(days=1 + matter["default_days"])).astimezone(CHINA).date()
        base = {
            "task_id": tid,
            "title": f"{matter['name']}({received.astimezone(CHINA):%m月})",
            "matter_code": matter["code"],
            "sender_id": sender,
            "sender_unit_id": county.county_id,
            "sender_department_id": department,
            "target_ids": [unit],
            "deadline": deadline.isoformat(),
            "township_id": None if whole_county else township,
            "village_id": None,
            "grid_id": None,
        }
        rejected = tid > scale.tasks
        targets.append((tid, tid, unit, "county" if whole_county else "township", county.name[unit], path))
        if rejected:
            code = f"XX{rng.randrange(900) + 100}"
            w.event(
                "task.rejected",
                base
                | {
                    "matter_code": code,
                    "reason": "unknown_code",
                    "reason_label": tf_domain.REJECT_REASONS["unknown_code"],
                },  # noqa: E501
                f"tasks/{tid}",
                path,
                received,
            )
            ledger.append(
                taskflow.ledger_row(
                    received,
                    actor,
                    "rejected",
                    path,
                    tid,
                    None,
                    "needs_code",
                    "rejected",
                    {"reason": "unknown_code"},
                )
            )  # noqa: E501
            tasks.append(
                _task_row(
                    tid,
                    base,
                    code,
                    None,
                    "rejected",
                    "unknown_code",
                    actor,
                    path,
                    deadline,
                    received,
                    None,
                    None,
                    None,
                    None,
                )
            )  # noqa: E501
            continue
        reviewed = received + timedelta(hours=rng.uniform(1, 20))
        dispatched = reviewed + timedelta(hours=rng.uniform(0.5, 6))
        w.event("task.received", base, f"tasks/{tid}", path, received)
        ledger.append(
            taskflow.ledger_row(
                received,
                actor,
                "received",
                path,
                tid,
                None,
                "needs_code",
                "pending_review",
                {"matter_code": matter["code"]},
            )
        )  # noqa: E501
        review = {"task_id": tid, "matter_code": matter["code"], "actor_id": leader.id, "reason": None}
        review |= {k: base[k] for k in ("township_id", "village_id", "grid_id")}
        w.event("task.approved", review, f"tasks/{tid}", path, reviewed)
        ledger.append(
            taskflow.ledger_row(reviewed, leader, "approved", path, tid, None, "pending_review", "approved")
        )  # noqa: E501
        chosen = county.villages if whole_county else villages_of[township]
        first_assignment = len(assignments) + 1
        ids_of_assignments = list(range(first_assignment, first_assignment + len(chosen)))
        w.event(
            "task.dispatched",
            {
                "task_id": tid,
                "matter_code": matter["code"],
                "title": base["title"],
                "actor_id": leader.id,
                "village_ids": chosen,
                "assignment_ids": ids_of_assignments,
                "deadline": deadline.isoformat(),
                "major": False,
                "township_id": base["township_id"],
                "village_id": None,
                "grid_id": None,
            },
            f"tasks/{tid}",
            path,
            dispatched,
        )
        ledger.append(
            taskflow.ledger_row(
                dispatched,
                leader,
                "dispatched",
                path,
                tid,
                None,
                "approved",
                "dispatched",
                {"villages": len(chosen)},
            )
        )  # noqa: E501
        open_left = 0
        for aid, village in zip(ids_of_assignments, chosen, strict=True):
            vpath = county.path[village]
            township_id = county.parent[village]
            ledger.append(
                taskflow.ledger_row(
                    dispatched,
                    leader,
                    "dispatched",
                    vpath,
                    tid,
                    aid,
                    None,
                    "dispatched",
                    {"deadline": deadline.isoformat(), "matter_code": matter["code"]},
                )
            )  # noqa: E501
            status, assignee, now = "dispatched", None, dispatched
            submitted_at = accepted_at = evidence = None
            data = {
                "assignment_id": aid,
                "task_id": tid,
                "matter_code": matter["code"],
                "title": base["title"],
                "status": status,
                "from_status": None,
                "actor_id": None,
                "assignee_id": None,
                "deadline": deadline.isoformat(),
                "reason": None,
                "township_id": township_id,
                "village_id": village,
                "grid_id": None,
            }
            for action, to, hours in (
                ("claim", "claimed", (1, 48)),
                ("submit", "submitted", (24, 200)),
                ("accept", "accepted", (2, 48)),
            ):  # noqa: E501
                if rng.random() < 0.1:
                    break
                at = now + timedelta(hours=rng.uniform(*hours))
                if at >= end:
                    break
                who = county.secretaries[village][0] if action != "accept" else leader.id
                extra = {}
                if action == "claim":
                    assignee = who
                if action == "submit":
                    submitted_at, evidence = at, {"text": "已按要求完成"}
                if action == "accept":
                    accepted_at = at
                    on_time = at.astimezone(CHINA).date() <= deadline
                    extra = {
                        "on_time": on_time,
                        "days_to_close": round((at - dispatched).total_seconds() / 86400, 3),
                    }
                data = (
                    data
                    | {"status": to, "from_status": status, "actor_id": who, "assignee_id": assignee}
                    | extra
                )
                w.event(f"assignment.{to}", data, f"assignments/{aid}", vpath, at)
                ledger.append(
                    taskflow.ledger_row(at, LoaderActor(who), action, vpath, tid, aid, status, to, extra)
                )
                status, now = to, at
            open_left += status != "accepted"
            assignments.append(
                (aid, tid, matter["code"], base["title"], township_id, village, county.name[village], None, vpath,
                 assignee, status, deadline, evidence, None, dispatched, tf_domain.local_month(dispatched),
                 submitted_at, accepted_at, None, None)
            )  # fmt: skip
        closed = None
        if not open_left:
            closed = max(a[17] for a in assignments[first_assignment - 1 :])
            ledger.append(
                taskflow.ledger_row(closed, leader, "closed", path, tid, None, "dispatched", "done")
            )
        tasks.append(
            _task_row(tid, base, matter["code"], matter["id"], "done" if closed else "dispatched", None, actor, path,
                      deadline, received, reviewed, leader.id, dispatched, closed)
        )  # fmt: skip
    return tasks, targets, assignments, ledger


def _task_row(
    tid,
    base,
    code,
    matter_id,
    status,
    reason,
    actor,
    path,
    deadline,
    received,
    reviewed,
    reviewer,
    dispatched,
    closed,
):  # noqa: E501
    return (
        tid, base["title"], "", code, matter_id, status, reason, None, [], actor.id, actor.name, base["sender_unit_id"],
        base["sender_department_id"], path, deadline, False, received, tf_domain.local_month(received), reviewed,
        reviewer, dispatched, closed,
    )  # fmt: skip
