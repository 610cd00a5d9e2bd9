"""Write side of the procedures capability, one module per part: templates, procedures run
step by step, and the project board. Each use case checks role and scope, changes rows,
writes its chained ledger rows and emits its events in the caller's unit of work (the
entrypoint commits)."""

from services.tasks.procedures.commands.project_board import (
    ancestors,
    award_project,
    get_project,
    may_see_project,
    post_project,
    submit_bid,
)
from services.tasks.procedures.commands.records import (
    BIDDER_ROLES,
    STARTER_ROLES,
    TOWNSHIP_ROLES,
    iso,
    ledger_row,
    place_ids,
    procedure_event_of,
    write_ledger,
)
from services.tasks.procedures.commands.steps import (
    complete_step,
    evidence_json,
    get_procedure,
    may_see_procedure,
    require_completed_procedure,
    start_procedure,
    steps_of,
)
from services.tasks.procedures.commands.templates import (
    TEMPLATE_FIELDS,
    applicable_templates,
    create_template,
    current_template,
    seed_templates,
    update_template,
)

__all__ = [
    "BIDDER_ROLES",
    "STARTER_ROLES",
    "TEMPLATE_FIELDS",
    "TOWNSHIP_ROLES",
    "ancestors",
    "applicable_templates",
    "award_project",
    "complete_step",
    "create_template",
    "current_template",
    "evidence_json",
    "get_procedure",
    "get_project",
    "iso",
    "ledger_row",
    "may_see_procedure",
    "may_see_project",
    "place_ids",
    "post_project",
    "procedure_event_of",
    "require_completed_procedure",
    "seed_templates",
    "start_procedure",
    "steps_of",
    "submit_bid",
    "update_template",
    "write_ledger",
]
