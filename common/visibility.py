"""Visibility as one policy per resource: the same clauses give the SQL filter a list uses
and the check on a row already loaded, so the two cannot drift apart (a property test in
each service runs both over random actors and rows and expects the same answer).

A clause says to whom it applies, which rows it admits in SQL, and the same in Python; a
row is visible when any clause that applies to the actor admits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_
from sqlalchemy.sql.elements import ColumnElement

from common.scope import Actor


@dataclass(frozen=True)
class Clause:
    applies: Callable[[Actor], bool]
    sql: Callable[[Actor], Any]
    admits: Callable[[Actor, Any], bool]


class Policy:
    def __init__(self, name: str, *clauses: Clause) -> None:
        self.name = name
        self.clauses = clauses

    def where(self, actor: Actor) -> ColumnElement[bool]:
        """SQL: the rows the actor may see (false when no clause applies)."""
        conditions = [c.sql(actor) for c in self.clauses if c.applies(actor)]
        return or_(*conditions) if conditions else false()

    def allows(self, actor: Actor, row: Any) -> bool:
        """The same rule on a loaded row."""
        return any(c.applies(actor) and c.admits(actor, row) for c in self.clauses)


def always(_actor: Actor) -> bool:
    return True
