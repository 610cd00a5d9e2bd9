"""Dispatch: one assignment per target village, refusing overlaps and villages outside the task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from common.errors import DomainError, conflict
from common.scope import Actor
from services.tasks.taskflow import domain
from services.tasks.taskflow.commands.decisions import latest_decision
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import (
    Org,
    iso,
    load_task,
    place_ids_of,
    state_conflict,
    targets_of,
    task_event,
)
from services.tasks.taskflow.commands.review import check_reviewer
from services.tasks.taskflow.commands.stored_places import places, villages_under
from services.tasks.taskflow.commands.submission import find_overlaps, overlap_en
from services.tasks.taskflow.models import Assignment, Matter, Place, Task, TaskTarget


def _all_target_villages(session, org: Org, targets: list[TaskTarget]) -> list[tuple[Place, int | None]]:
    """Every village the task's targets reach: a township's villages, a village, a grid's village."""
    chosen: list[tuple[Place, int | None]] = []
    for target in targets:
        if target.level == "township":
            chosen += [(v, None) for v in villages_under(session, org, target.org_unit_id)]
        elif target.level == "village":
            chosen.append(
                (Place(id=target.org_unit_id, level="village", name=target.name, path=target.path), None)
            )
        else:
            village_id = domain.ids_of(target.path)["village_id"]
            village = places(session, org, [village_id])[village_id]
            chosen.append((village, target.org_unit_id))
    return chosen


def _undispatched(all_villages: list[tuple[Place, int | None]], dispatched: set[int]) -> list[dict]:
    return [
        {
            "village_id": v.id,
            "village_name": v.name,
            "township_id": domain.ids_of(v.path)["township_id"],
            "path": v.path,
        }
        for v, _ in {v.id: (v, g) for v, g in all_villages}.values()
        if v.id not in dispatched
    ]


def _dispatch_villages(
    session, org: Org, actor: Actor, task: Task, data: dict
) -> list[tuple[Place, int | None]]:
    """(village, grid id or None) pairs to dispatch to, each inside the task's targets. A
    place outside the caller's scope is refused before anything about it is said."""
    targets = targets_of(session, task)
    by_id = {t.org_unit_id: t for t in targets}
    if "village_ids" in data:
        named = places(session, org, data["village_ids"])
        if len(named) != len(set(data["village_ids"])) or not all(
            actor.covers(v.path) for v in named.values()
        ):
            raise DomainError("out_of_scope")
        chosen = [(v, None) for v in named.values()]
    elif "org_unit_id" in data:
        unit = places(session, org, [data["org_unit_id"]]).get(data["org_unit_id"])
        if unit is None or not actor.covers(unit.path):
            raise DomainError("out_of_scope")
        # the task's target villages under that unit, not every village there
        chosen = [
            (v, None)
            for v in villages_under(session, org, data["org_unit_id"])
            if v.id in by_id
            or any(
                v.path.startswith(t.path) or t.path.startswith(v.path)
                for t in targets
                if t.level != "village"
            )
        ]
        if not chosen:
            raise conflict(
                f"{unit.name}下没有该任务的派发对象", f"{unit.name} holds none of the task's targets"
            )
    else:
        chosen = _all_target_villages(session, org, targets)
    result: dict[int, tuple[Place, int | None]] = {}
    for village, grid_id in chosen:
        if village.level != "village":
            raise DomainError("validation_failed", fields={"village_ids": [f"{village.name}不是村(社区)"]})
        covered = village.id in by_id or any(
            village.path.startswith(t.path) for t in targets if t.level == "township"
        )
        if grid_id is None and not covered:
            grid_target = next(
                (t for t in targets if t.level == "grid" and t.path.startswith(village.path)), None
            )
            if grid_target is None:
                raise conflict(
                    f"{village.name}不在该任务的派发对象内", f"{village.name} is not among the task's targets"
                )
            grid_id = grid_target.org_unit_id
        result[village.id] = (village, grid_id)
    if not result:
        raise conflict("没有可派发的村(社区)", "There is no village to dispatch to")
    return list(result.values())


def dispatch_task(
    uow, actor: Actor, task_id: int, data: dict, org: Org, now: datetime
) -> tuple[Task, list[int]]:
    """派单: one assignment per village in one bulk insert, ledger rows in another, ONE event.
    In steps: some target villages now, the rest later (by default, all that remain)."""
    session = uow.session
    task = load_task(session, task_id)
    check_reviewer(actor, task)
    if task.status == "dispatched" and not task.undispatched:
        raise conflict("该任务已向全部对象派发", "The task has been dispatched to all its targets")
    if task.status not in ("approved", "dispatched"):
        raise state_conflict(task, "审核通过后才能派单", "it can be dispatched only once approved")
    matter = session.get(Matter, task.matter_id)
    if "village" not in matter.levels and "grid" not in matter.levels:
        raise conflict(
            "该事项只能由乡镇办理,不能派到村(社区)",
            "This matter is for the township and cannot go to villages",
        )
    if task.major and latest_decision(session, task.id) is None:
        raise DomainError("decision_required")
    already = set(session.scalars(select(Assignment.village_id).where(Assignment.task_id == task.id)))
    if task.status == "dispatched" and not data:  # the rest of the targets
        remaining = {r["village_id"] for r in task.undispatched}
        chosen = [(v, g) for v, g in _dispatch_villages(session, org, actor, task, {}) if v.id in remaining]
    else:
        chosen = _dispatch_villages(session, org, actor, task, data)
    twice = [v.name for v, _ in chosen if v.id in already]
    if twice:
        names = "、".join(twice)
        raise conflict(f"{names}已派发过该任务", f"Already dispatched to {', '.join(twice)}")
    for village, _ in chosen:
        actor.require_scope(village.path)
    overlaps = find_overlaps(session, task.matter_code, [v.path for v, _ in chosen], task.id)
    if overlaps:  # checked again on the villages that would actually receive it
        raise conflict(domain.overlap_label(overlaps), overlap_en(overlaps))
    every = _all_target_villages(session, org, targets_of(session, task))
    task.undispatched = _undispatched(every, already | {v.id for v, _ in chosen})
    month = domain.local_month(now)
    rows = []
    for village, grid_id in chosen:
        ids = domain.ids_of(village.path)
        rows.append(
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "title": task.title,
                "township_id": ids["township_id"],
                "village_id": village.id,
                "village_name": village.name,
                "grid_id": grid_id,
                "org_path": f"{village.path}{grid_id}/" if grid_id else village.path,
                "status": "dispatched",
                "deadline": task.deadline,
                "dispatched_at": now,
                "dispatched_month": month,
            }
        )
    assignment_ids = list(
        session.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), rows)
    )
    before, task.status = task.status, "dispatched"
    task.dispatched_at = task.dispatched_at or now  # the first step's time
    write_ledger(
        session,
        [
            ledger_row(
                now,
                actor,
                "dispatched",
                task.org_path,
                task.id,
                None,
                before,
                "dispatched",
                # the ledger says to which villages, by name, not only how many
                {"villages": len(rows), "village_names": [r["village_name"] for r in rows]},
            )
        ]
        + [
            ledger_row(
                now,
                actor,
                "dispatched",
                row["org_path"],
                task.id,
                aid,
                None,
                "dispatched",
                {
                    "deadline": iso(task.deadline),
                    "matter_code": task.matter_code,
                    "village_name": row["village_name"],
                },
            )
            for aid, row in zip(assignment_ids, rows, strict=True)
        ],
    )
    uow.emit(
        task_event(
            "task.dispatched",
            {
                "task_id": task.id,
                "matter_code": task.matter_code,
                "title": task.title,
                "actor_id": actor.id,
                "village_ids": [row["village_id"] for row in rows],
                "assignment_ids": assignment_ids,
                "deadline": iso(task.deadline),
                "major": task.major,
                **place_ids_of(task.org_path),
            },
            f"tasks/{task.id}",
            task.org_path,
        )
    )
    return task, assignment_ids
