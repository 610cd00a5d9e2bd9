"""nameko entrypoints of the fieldwork capability (mixed into TasksService): thin, they
validate with the contract, run a use case in a unit of work, commit, and dump.

Jobs (list generation, deadline escalation, alert checks) run from timers and from RPCs
that take the month or time; all are idempotent, so several replicas may run them."""

from services.tasks.fieldwork.ladder_entrypoints import LadderEntrypoints
from services.tasks.fieldwork.mailbox_entrypoints import MailboxEntrypoints
from services.tasks.fieldwork.visit_entrypoints import VisitEntrypoints


class FieldworkEntrypoints(VisitEntrypoints, LadderEntrypoints, MailboxEntrypoints):
    """All of fieldwork's entrypoints, as TasksService mixes them in."""
