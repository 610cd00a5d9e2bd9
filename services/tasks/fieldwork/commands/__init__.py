"""Use cases of fieldwork over a unit of work, one module per capability: settings, the
replicas of grids' links and contacts, visit lists, visits and ratings, the escalation
ladder, the mailbox and attachments. Each changes rows, writes its ledger line and emits
its event in the same transaction; the entrypoint commits."""

from services.tasks.fieldwork.commands.attachment_intake import (
    check_attachments,
    store_attachment,
    store_newcomer_attachment,
)
from services.tasks.fieldwork.commands.attempts import attempts_left, count_attempt
from services.tasks.fieldwork.commands.field_settings import save_settings
from services.tasks.fieldwork.commands.ladder import (
    create_matter,
    dispatch,
    escalate,
    escalate_overdue,
    overdue,
    overdue_grids,
    platform_staff,
    rate_matter,
    resolve,
    take,
)
from services.tasks.fieldwork.commands.mailbox import KIND_TITLES, mailbox_submit
from services.tasks.fieldwork.commands.matter_records import (
    climb,
    guarded,
    ledger_entry,
    load_matter,
    matter_state,
    new_matter,
    record_step,
)
from services.tasks.fieldwork.commands.ratings import (
    CODE_RESENDS_PER_HOUR,
    RATING_WINDOW_MINUTES,
    issue_rating_code,
    rate_visit,
    rating_failures_allowed,
    resend_rating_code,
)
from services.tasks.fieldwork.commands.replays import mailed_letter, recorded_visit
from services.tasks.fieldwork.commands.replica import (
    add_link_to_current_list,
    apply_links,
    end_link,
    end_links_not_seen,
    save_contacts,
)
from services.tasks.fieldwork.commands.visit_lists import generate_lists
from services.tasks.fieldwork.commands.visits import record_visit

__all__ = [
    "CODE_RESENDS_PER_HOUR",
    "KIND_TITLES",
    "RATING_WINDOW_MINUTES",
    "add_link_to_current_list",
    "apply_links",
    "attempts_left",
    "check_attachments",
    "climb",
    "count_attempt",
    "create_matter",
    "dispatch",
    "end_link",
    "end_links_not_seen",
    "escalate",
    "escalate_overdue",
    "generate_lists",
    "guarded",
    "issue_rating_code",
    "ledger_entry",
    "load_matter",
    "mailbox_submit",
    "mailed_letter",
    "matter_state",
    "new_matter",
    "overdue",
    "overdue_grids",
    "platform_staff",
    "rate_matter",
    "rate_visit",
    "rating_failures_allowed",
    "record_step",
    "record_visit",
    "recorded_visit",
    "resend_rating_code",
    "resolve",
    "save_contacts",
    "save_settings",
    "store_attachment",
    "store_newcomer_attachment",
    "take",
]
