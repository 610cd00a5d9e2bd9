"""A month of field work in bulk: visits and their ratings, matters from visits and the
mailbox climbing the ladder."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.tasks.scale.writer import Writer

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


def write_visits(w: Writer, county, scale, month: str, start: datetime, end: datetime):
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


def write_matters(w: Writer, county, scale, month: str, start: datetime, end: datetime, needs: list):
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
