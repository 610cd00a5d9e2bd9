"""A department's orders (点兵点将) and the people and households they concern.

The orders a department holds or took are the matters dispatched to it; staff of a
township platform (四平台) also hold the department-level matters of their township still
waiting for a department. Matter visibility and the parties grids lets department staff
read both come from `department_orders`, so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from common.scope import Actor
from common.storage import in_scope
from services.tasks.fieldwork.commands import platform_staff
from services.tasks.fieldwork.domain import Level
from services.tasks.fieldwork.models import Matter


def department_orders(actor: Actor):
    """SQL: the matters the actor's department holds or took (false for other roles)."""
    if not actor.has("department_staff"):
        return false()
    clauses = []
    if actor.department_id is not None:
        clauses.append(Matter.department_id == actor.department_id)
    if platform_staff(actor):
        clauses.append(and_(Matter.level == Level.department.value, in_scope(Matter.org_path, actor.scope)))
    return or_(*clauses) if clauses else false()


def order_parties(session: Session, actor: Actor) -> dict:
    """The people (reporter, linked member, handler) and households those orders concern."""
    people: set[int] = set()
    households: set[int] = set()
    rows = session.execute(
        select(Matter.reporter_id, Matter.member_id, Matter.handler_id, Matter.household_id).where(
            department_orders(actor)
        )
    )
    for reporter_id, member_id, handler_id, household_id in rows:
        people.update(i for i in (reporter_id, member_id, handler_id) if i is not None)
        if household_id is not None:
            households.add(household_id)
    return {"person_ids": sorted(people), "household_ids": sorted(households)}
