"""Read side of taskflow, one module per view: every list is filtered in SQL to what the
actor may see, in one query per list (plus one count), never one query per row."""

from services.tasks.taskflow.queries.assignment_view import (
    assignment_dict,
    assignment_dicts,
    assignment_visibility,
    assignments,
    progress,
)
from services.tasks.taskflow.queries.catalogue_view import (
    XLSX_HEADERS,
    catalogue,
    catalogue_xlsx,
    matter_dict,
    matter_versions,
    parse_catalogue_xlsx,
)
from services.tasks.taskflow.queries.ledger_view import ledger, ledger_dict, ledger_visibility, ledger_xlsx
from services.tasks.taskflow.queries.task_figures import (
    period_figures,
    rejection_stats,
    stats_scope,
    task_stats,
    village_stats,
)
from services.tasks.taskflow.queries.task_view import may_see_task, task_dicts, task_visibility, tasks

__all__ = [
    "XLSX_HEADERS",
    "assignment_dict",
    "assignment_dicts",
    "assignment_visibility",
    "assignments",
    "catalogue",
    "catalogue_xlsx",
    "ledger",
    "ledger_dict",
    "ledger_visibility",
    "ledger_xlsx",
    "matter_dict",
    "matter_versions",
    "may_see_task",
    "parse_catalogue_xlsx",
    "period_figures",
    "progress",
    "rejection_stats",
    "stats_scope",
    "task_dicts",
    "task_stats",
    "task_visibility",
    "tasks",
    "village_stats",
]
