"""Write side of taskflow, one module per capability: the catalogue, submission and
screening, review, collective decisions, dispatch, assignments and the deadline check.
Each use case checks role and scope, changes rows, writes its ledger rows and emits its
events in the caller's unit of work (the caller commits).

The names below are the use cases the entrypoints and loaders call."""

from services.tasks.taskflow.commands.assignments import (
    accept,
    assign,
    claim,
    load_assignment,
    may_see_assignment,
    return_assignment,
    start,
    submit,
)
from services.tasks.taskflow.commands.catalogue import (
    apply_catalogue,
    create_matter,
    current_matter,
    retire_matter,
    seed_default,
    update_matter,
)
from services.tasks.taskflow.commands.deadlines import check_deadlines
from services.tasks.taskflow.commands.decisions import latest_decision, record_decision
from services.tasks.taskflow.commands.dispatch import dispatch_task
from services.tasks.taskflow.commands.ledger import ledger_row, write_ledger
from services.tasks.taskflow.commands.records import Org, utc
from services.tasks.taskflow.commands.review import approve_task, return_task, withdraw_task
from services.tasks.taskflow.commands.stored_places import places, village_path, villages_under
from services.tasks.taskflow.commands.submission import code_task, edit_task, submit_task

__all__ = [
    "Org",
    "accept",
    "apply_catalogue",
    "approve_task",
    "assign",
    "check_deadlines",
    "claim",
    "code_task",
    "create_matter",
    "current_matter",
    "dispatch_task",
    "edit_task",
    "latest_decision",
    "ledger_row",
    "load_assignment",
    "may_see_assignment",
    "places",
    "record_decision",
    "retire_matter",
    "return_assignment",
    "return_task",
    "seed_default",
    "start",
    "submit",
    "submit_task",
    "update_matter",
    "utc",
    "village_path",
    "villages_under",
    "write_ledger",
    "withdraw_task",
]
