"""A month of realistic activity in the tasks database, in bulk (`scripts/load_county.py`).

Input: a county snapshot as grids' look-ups return it (duck-typed: `units`, `path`, `name`,
`member_links`, `grid_workers`, `cadres_of_grid`, `secretaries`, `township_leaders`,
`departments`, `department_staff`, `households_of_grid`, `villages`, `townships`, `grids`,
`county_id`, `scale`). Nothing from another service's code or tables is used.

What it writes, with the tasks service's own models and code:

1. the replicas fieldwork and taskflow keep of grids' data (`tf_places`, `fw_member_links`,
   `fw_grid_contacts`), as the snapshot sync would;
2. the default matter catalogue (`commands.seed_default`) and the month's visit lists with
   the service's own set-based `generate_lists` (which also writes their outbox rows);
3. the month's activity, generated deterministically and written with COPY: visits and their
   ratings (the visit-list items updated to match), matters from visits and the villager
   mailbox climbing the ladder (quick handling at the grid, assisted handling by the village,
   department dispatch), tasks screened (some rejected), approved and dispatched to villages
   with their assignments claimed, submitted and accepted — each with its ledger rows and the
   outbox row of every event it would have emitted, shaped exactly like the use cases' events
   (one of each type is checked against the event catalogue).

The outbox rows are written as already published history: the scoring loader turns the same
rows into indicator facts with scoring's own `facts_for`, so replaying half a million events
through the bus at load time is not needed (see docs/capacity.md).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from common.contracts.events import validate_event
from common.db import UnitOfWork
from common.events import event_type, source_of
from common.storage import copy_rows, raw_connection
from services.tasks.fieldwork import commands as fieldwork
from services.tasks.fieldwork.models import GridContact, LedgerEntry, Matter, MemberLink, Visit
from services.tasks.models import OutboxMessage, ProcessedEvent
from services.tasks.taskflow import commands as taskflow
from services.tasks.taskflow import domain as tf_domain
from services.tasks.taskflow.models import Assignment, Place, Task, TaskTarget
from services.tasks.taskflow.models import LedgerEntry as TaskLedger
from services.tasks.taskflow.models import Matter as CatalogueMatter

CHINA = timezone(timedelta(hours=8))
SOURCE = source_of("tasks")
OUTBOX_COLUMNS = ["event_id", "type", "source", "subject", "org_path", "time", "data", "published_at"]
NEEDS = [
    "路灯不亮",
    "道路破损",
    "垃圾清运不及时",
    "邻里纠纷",
    "自来水压力小",
    "危房隐患",
    "排水沟堵塞",
    "医保缴费咨询",
]
MAILBOX = ["村道积水", "广场舞噪音", "河道有漂浮物", "想了解养老保险", "停车难", "公厕需要维修", "快递点太远"]


class _Actor:
    """What `taskflow.ledger_row` reads of an actor."""

    def __init__(self, person_id: int, name: str = "") -> None:
        self.id, self.name = person_id, name


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, mon = map(int, month.split("-"))
    start = datetime(year, mon, 1, tzinfo=CHINA)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CHINA)
    return start.astimezone(UTC), end.astimezone(UTC)


class _Writer:
    """Rows per table and outbox rows, with deterministic event ids."""

    def __init__(self, rng: random.Random, published: datetime):
        self.rng, self.published = rng, published
        self.outbox: list[tuple] = []
        self.checked: set[str] = set()

    def event(self, name: str, data: dict, subject: str, org_path: str, at: datetime) -> str:
        etype = event_type("tasks", name)
        if etype not in self.checked:  # the catalogue is the contract: check one of each type
            validate_event(etype, data)
            self.checked.add(etype)
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.outbox.append((event_id, etype, SOURCE, subject, org_path, at, data, self.published))
        return event_id


def _replicas(cur, county, now: datetime) -> None:
    copy_rows(
        cur,
        Place.__tablename__,
        ["id", "level", "name", "code", "path", "parent_id"],
        ((u["id"], u["level"], u["name"], u["code"], u["path"], u["parent_id"]) for u in county.units),
    )

    def link_rows():
        for link_id, member, household, grid in county.member_links:
            ids = county.ids(grid)
            yield (
                link_id,
                member,
                household,
                grid,
                ids["village_id"],
                ids["township_id"],
                county.path[grid],
                True,
                now,
            )

    copy_rows(
        cur,
        MemberLink.__tablename__,
        [
            "link_id",
            "member_id",
            "household_id",
            "grid_id",
            "village_id",
            "township_id",
            "org_path",
            "active",
            "synced_at",
        ],
        link_rows(),
    )
    copy_rows(
        cur,
        GridContact.__tablename__,
        [
            "grid_id",
            "village_id",
            "org_path",
            "grid_workers",
            "cadres",
            "village_secretaries",
            "refreshed_at",
        ],
        (
            (
                g,
                county.parent[g],
                county.path[g],
                county.grid_workers[g],
                county.cadres_of_grid[g],
                county.secretaries[county.parent[g]],
                now,
            )
            for g in county.grids
        ),
    )


def _visits(w: _Writer, county, scale, month: str, start: datetime, end: datetime):
    """Visits and ratings: (visit rows, ledger rows, needs as (visit row, at))."""
    rng = w.rng
    span = (end - start).total_seconds()
    visits, ledger, needs = [], [], []
    for _link_id, member, household, grid in county.member_links:
        if rng.random() >= scale.visit_rate:
            continue
        ids = county.ids(grid)
        path = county.path[grid]
        visited = start + timedelta(seconds=rng.uniform(3600, span - 7200))
        recorded = visited + timedelta(minutes=rng.randint(1, 90))
        need = 1 if rng.random() < scale.need_rate else 0
        vid = len(visits) + 1
        rating = rated = None
        if rng.random() < scale.rating_rate:
            rating = rng.choices((5, 4, 3, 2, 1), weights=(70, 20, 6, 3, 1))[0]
            rated = min(recorded + timedelta(hours=rng.uniform(0.5, 48)), end - timedelta(minutes=1))
        event_id = w.event(
            "visit.recorded",
            {
                "visit_id": vid,
                "member_id": member,
                "household_id": household,
                "month": month,
                "visited_at": visited.isoformat(),
                "on_time": True,
                "needs_raised": need,
                "grid_id": grid,
                "village_id": ids["village_id"],
                "township_id": ids["township_id"],
            },
            f"visits/{vid}",
            path,
            recorded,
        )
        ledger.append(
            ("visit_recorded", None, vid, member, None, None, None, None, "", path, recorded, event_id)
        )
        if rating is not None:
            event_id = w.event(
                "visit.rated",
                {
                    "visit_id": vid,
                    "member_id": member,
                    "household_id": household,
                    "month": month,
                    "rating": rating,
                    "grid_id": grid,
                    "village_id": ids["village_id"],
                    "township_id": ids["township_id"],
                },
                f"visits/{vid}",
                path,
                rated,
            )
            ledger.append(("visit_rated", None, vid, None, None, None, None, None, "", path, rated, event_id))
        row = (
            vid,
            month,
            member,
            household,
            grid,
            ids["village_id"],
            ids["township_id"],
            path,
            visited,
            recorded,
            "",
            [],
            True,
            need,
            rating,
            None,
            rated,
        )
        visits.append(row)
        if need:
            needs.append((row, recorded))
    return visits, ledger, needs


def _matters(w: _Writer, county, scale, month: str, start: datetime, end: datetime, needs: list):
    """Needs raised on visits and mailbox items, each taken up the ladder as far as it went."""
    rng = w.rng
    span = (end - start).total_seconds()
    items = [("visit", row[4], row[2], row[3], row[0], at, rng.choice(NEEDS), "text") for row, at in needs]
    for grid in county.grids:
        count = int(scale.mailbox_per_grid) + (rng.random() < scale.mailbox_per_grid % 1)
        for _ in range(count):
            at = start + timedelta(seconds=rng.uniform(3600, span - 3600))
            household = rng.choice(county.households_of_grid[grid])
            kind = rng.choices(("text", "voice", "photo"), weights=(6, 2, 2))[0]
            items.append(("mailbox", grid, None, household, None, at, rng.choice(MAILBOX), kind))
    items.sort(key=lambda item: item[5])
    county_departments = [d["id"] for d in county.departments if d["org_unit_id"] == county.county_id]
    matters, ledger = [], []
    for mid, (source, grid, member, household, visit_id, at, title, kind) in enumerate(items, 1):
        ids = county.ids(grid)
        path = county.path[grid]
        worker = county.grid_workers[grid][0]
        secretary = county.secretaries[ids["village_id"]][0]
        m = {
            "matter_id": mid,
            "title": title if source == "visit" else f"村民来信:{title}",
            "source": source,
            "level": "grid",
            "from_level": None,
            "status": "open",
            "actor_id": member,
            "handler_id": member if source == "visit" else worker,
            "department_id": None,
            "member_id": member,
            "reporter_id": None,
            "deadline": (at + timedelta(days=2)).isoformat(),
            "grid_id": grid,
            "village_id": ids["village_id"],
            "township_id": ids["township_id"],
            "household_id": household,
            "month": month,
        }
        escalated = False
        resolved_at = rating = None

        def step(
            name, action, now, from_level, from_status, m=m, mid=mid, path=path, visit_id=visit_id, **extra
        ):
            event_id = w.event(name, m | {"from_level": from_level} | extra, f"matters/{mid}", path, now)
            ledger.append(
                (
                    action,
                    mid,
                    visit_id,
                    m["actor_id"],
                    from_level,
                    m["level"],
                    from_status,
                    m["status"],
                    "",
                    path,
                    now,
                    event_id,
                )  # noqa: E501
            )

        step("matter.reported", "reported", at, None, None)
        now = at
        fate = rng.random()
        if fate < 0.30:  # escalated to the village secretary (难事协办)
            now += timedelta(hours=rng.uniform(4, 40))
            if now < end:
                escalated = True
                m |= {"level": "village", "handler_id": secretary, "actor_id": worker}
                m["deadline"] = (now + timedelta(days=3)).isoformat()
                step("matter.escalated", "escalated", now, "grid", "open", reason="manual")
                if fate < 0.10:  # on to the township platform and a department (点兵点将)
                    now += timedelta(hours=rng.uniform(12, 60))
                    if now < end:
                        m |= {"level": "department", "handler_id": None, "actor_id": secretary}
                        m["deadline"] = (now + timedelta(days=5)).isoformat()
                        step("matter.escalated", "escalated", now, "village", "open", reason="manual")
                        now += timedelta(hours=rng.uniform(1, 8))
                        m |= {"department_id": rng.choice(county_departments), "actor_id": None}
                        if now < end:
                            step("matter.dispatched", "dispatched", now, "department", "open")
                            now += timedelta(hours=rng.uniform(1, 24))
                            staff = county.department_staff[m["department_id"]][0]
                            if now < end:
                                m |= {"status": "taken", "handler_id": staff, "actor_id": staff}
                                step("matter.taken", "taken", now, "department", "open")
        if fate >= 0.03 and m["status"] in ("open", "taken"):
            hours = {"grid": (2, 40), "village": (12, 72), "department": (24, 96)}[m["level"]]
            done = now + timedelta(hours=rng.uniform(*hours))
            if done < end:
                actor = m["handler_id"] or worker
                before = m["status"]
                m |= {"status": "resolved", "actor_id": actor, "handler_id": actor}
                resolved_at = done
                days = round((done - at).total_seconds() / 86400, 3)
                step("matter.resolved", "resolved", done, m["level"], before, days_to_close=days)
                if rng.random() < 0.6:
                    rated = done + timedelta(hours=rng.uniform(1, 30))
                    if rated < end:
                        rating = rng.choices((5, 4, 3, 2), weights=(65, 25, 7, 3))[0]
                        m |= {"status": "rated", "actor_id": None}
                        step("matter.rated", "rated", rated, m["level"], "resolved", rating=rating)
        matters.append(
            (
                mid,
                m["title"],
                title,
                source,
                kind,
                m["level"],
                m["status"],
                grid,
                ids["village_id"],
                ids["township_id"],
                path,
                month,
                visit_id,
                household,
                member,
                None,
                m["handler_id"],
                m["department_id"],
                [],
                escalated,
                0,
                False,
                datetime.fromisoformat(m["deadline"]),
                now,
                at,
                resolved_at,
                m["level"] if resolved_at else None,
                "已处理" if resolved_at else None,
                rating,
                None,
            )
        )
    return matters, ledger


def _tasks(w: _Writer, county, scale, catalogue: list, start: datetime, end: datetime):
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
        actor = _Actor(sender, "部门工作人员")
        received = start + timedelta(days=rng.uniform(0.5, 12), hours=rng.uniform(0, 10))
        matter = rng.choice(catalogue)
        whole_county = rng.random() < 0.2
        township = rng.choice(county.townships)
        unit = county.county_id if whole_county else township
        path = county_path if whole_county else county.path[township]
        leader = _Actor(county.township_leaders[township], "镇街分管领导")
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
                    taskflow.ledger_row(at, _Actor(who), action, vpath, tid, aid, status, to, extra)
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


TASK_COLUMNS = [
    "id", "title", "content", "matter_code", "matter_id", "status", "reject_reason", "review_reason", "suggestions",
    "sender_id", "sender_name", "sender_unit_id", "sender_department_id", "org_path", "deadline", "major",
    "received_at", "received_month", "reviewed_at", "reviewer_id", "dispatched_at", "closed_at",
]  # fmt: skip
ASSIGNMENT_COLUMNS = [
    "id", "task_id", "matter_code", "title", "township_id", "village_id", "village_name", "grid_id", "org_path",
    "assignee_id", "status", "deadline", "evidence", "return_reason", "dispatched_at", "dispatched_month",
    "submitted_at", "accepted_at", "reminded_at", "overdue_at",
]  # fmt: skip
TF_LEDGER_COLUMNS = [
    "at", "month", "actor_id", "actor_name", "action", "task_id", "assignment_id", "from_status", "to_status",
    "org_path", "township_id", "village_id", "detail", "content",
]  # fmt: skip
VISIT_COLUMNS = [
    "id", "month", "member_id", "household_id", "grid_id", "village_id", "township_id", "org_path", "visited_at",
    "recorded_at", "notes", "attachment_ids", "on_time", "needs_raised", "rating", "rating_comment", "rated_at",
]  # fmt: skip
MATTER_COLUMNS = [
    "id", "title", "description", "source", "kind", "level", "status", "grid_id", "village_id", "township_id",
    "org_path", "month", "visit_id", "household_id", "member_id", "reporter_id", "handler_id", "department_id",
    "attachment_ids", "escalated", "auto_escalations", "overdue_alerted", "deadline", "level_since", "created_at",
    "resolved_at", "resolved_level", "resolution", "rating", "rating_comment",
]  # fmt: skip
FW_LEDGER_COLUMNS = [
    "action", "matter_id", "visit_id", "actor_id", "from_level", "to_level", "from_status", "to_status", "note",
    "org_path", "at", "event_id",
]  # fmt: skip


def load(engine, county, month: str, seed: int = 2026) -> dict:
    """Replicas, catalogue, the month's lists and its activity into the tasks database."""
    scale = county.scale
    rng = random.Random(f"tasks:{scale.name}:{month}:{seed}")
    start, end = month_bounds(month)
    factory = sessionmaker(engine)
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        _replicas(cur, county, start)
        raw.commit()
    finally:
        raw.close()
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        taskflow.seed_default(uow, start)
        uow.commit()
    with UnitOfWork(factory, OutboxMessage, ProcessedEvent) as uow:
        lists = fieldwork.generate_lists(uow, month, start + timedelta(hours=1))
        uow.commit()
    with engine.connect() as conn:
        catalogue = [
            dict(r._mapping)
            for r in conn.execute(
                select(
                    CatalogueMatter.id,
                    CatalogueMatter.code,
                    CatalogueMatter.name,
                    CatalogueMatter.levels,
                    CatalogueMatter.default_days,
                ).where(CatalogueMatter.current, CatalogueMatter.major.is_(False))
            )
            if "village" in r.levels
        ]

    w = _Writer(rng, published=end)
    visits, visit_ledger, needs = _visits(w, county, scale, month, start, end)
    matters, matter_ledger = _matters(w, county, scale, month, start, end, needs)
    tasks, targets, assignments, task_ledger = _tasks(w, county, scale, catalogue, start, end)
    w.outbox.sort(key=lambda row: row[5])  # commit order is time order
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        copy_rows(cur, Visit.__tablename__, VISIT_COLUMNS, visits)
        copy_rows(cur, Matter.__tablename__, MATTER_COLUMNS, matters)
        copy_rows(
            cur,
            LedgerEntry.__tablename__,
            FW_LEDGER_COLUMNS,
            sorted(visit_ledger + matter_ledger, key=lambda r: r[10]),
        )  # noqa: E501
        copy_rows(cur, Task.__tablename__, TASK_COLUMNS, tasks)
        copy_rows(
            cur, TaskTarget.__tablename__, ["id", "task_id", "org_unit_id", "level", "name", "path"], targets
        )
        copy_rows(cur, Assignment.__tablename__, ASSIGNMENT_COLUMNS, assignments)
        copy_rows(
            cur,
            TaskLedger.__tablename__,
            TF_LEDGER_COLUMNS,
            (tuple(r[c] for c in TF_LEDGER_COLUMNS) for r in sorted(task_ledger, key=lambda r: r["at"])),
        )
        copy_rows(cur, OutboxMessage.__tablename__, OUTBOX_COLUMNS, w.outbox)
        cur.execute(
            """UPDATE fw_visit_list_items i SET visit_id = v.id, visited_at = v.visited_at, rating = v.rating
               FROM fw_visits v WHERE i.month = %s AND v.month = i.month
               AND v.member_id = i.member_id AND v.household_id = i.household_id""",
            (month,),
        )
        # history: everything in the outbox up to now counts as delivered (see the module doc)
        cur.execute("UPDATE outbox SET published_at = %s WHERE published_at IS NULL", (end,))
        for table in ("fw_visits", "fw_matters", "tf_tasks", "tf_task_targets", "tf_assignments"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return {
        "visit_list_items": lists["total_items"],
        "visit_lists": lists["members"],
        "visits": len(visits),
        "ratings": sum(1 for v in visits if v[14] is not None),
        "matters": len(matters),
        "tasks": len(tasks),
        "assignments": len(assignments),
        "events": len(w.outbox) + lists["members"],
    }


def check(engine, month: str) -> dict:
    queries = {
        "visit_list_items": "SELECT count(*) FROM fw_visit_list_items WHERE month = :m",
        "visits": "SELECT count(*) FROM fw_visits WHERE month = :m",
        "items_visited": "SELECT count(*) FROM fw_visit_list_items WHERE month = :m AND visit_id IS NOT NULL",
        "matters": "SELECT count(*) FROM fw_matters WHERE month = :m",
        "assignments": "SELECT count(*) FROM tf_assignments",
        "outbox": "SELECT count(*) FROM outbox",
        "outbox_unpublished": "SELECT count(*) FROM outbox WHERE published_at IS NULL",
        "visits_off_list": """SELECT count(*) FROM fw_visits v WHERE v.month = :m AND NOT EXISTS (
            SELECT 1 FROM fw_member_links l WHERE l.member_id = v.member_id AND l.household_id = v.household_id)""",
        "assignments_bad_path": """SELECT count(*) FROM tf_assignments a JOIN tf_places p ON p.id = a.village_id
            WHERE a.org_path <> p.path""",
    }
    with engine.connect() as conn:
        return {name: int(conn.scalar(text(sql), {"m": month})) for name, sql in queries.items()}
