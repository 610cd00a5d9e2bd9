"""The deadline check: overdue and due-soon announcements, each claimed once across replicas."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from services.tasks.taskflow import domain
from services.tasks.taskflow.commands.assignments import assignment_event_data
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import iso, task_event
from services.tasks.taskflow.models import Assignment

REMIND_DAYS = 1  # a reminder goes out when the deadline is this close (in days)


def check_deadlines(uow, now: datetime) -> dict:
    """Overdue events for open assignments past their deadline, reminders for those due
    within REMIND_DAYS. Each is claimed by a conditional UPDATE, so replicas running the
    same check at once never send one twice."""
    session = uow.session
    today = domain.local_date(now)
    report = {}
    for kind, column, condition in (
        ("overdue", Assignment.overdue_at, Assignment.deadline < today),
        (
            "due_soon",
            Assignment.reminded_at,
            (Assignment.deadline >= today) & (Assignment.deadline <= today + timedelta(days=REMIND_DAYS)),
        ),
    ):
        claimed = list(
            session.scalars(
                update(Assignment)
                .where(Assignment.status.in_(domain.OPEN_ASSIGNMENT_STATUSES), column.is_(None), condition)
                .values({column.key: now})
                .returning(Assignment.id)
                .execution_options(synchronize_session=False)
            )
        )
        rows = []
        for start_at in range(0, len(claimed), 1000):
            for a in session.scalars(
                select(Assignment).where(Assignment.id.in_(claimed[start_at : start_at + 1000]))
            ):
                data = assignment_event_data(a, a.status, None)
                uow.emit(task_event(f"assignment.{kind}", data, f"assignments/{a.id}", a.org_path))
                rows.append(
                    ledger_row(
                        now,
                        None,
                        kind,
                        a.org_path,
                        a.task_id,
                        a.id,
                        a.status,
                        a.status,
                        {"deadline": iso(a.deadline)},
                    )
                )
        write_ledger(session, rows)
        report[kind] = len(claimed)
    return report
