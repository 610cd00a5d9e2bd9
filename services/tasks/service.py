"""tasks service: one nameko service, six capabilities each in its own package (taskflow/,
fieldwork/, procedures/, open311/, hotspots/, figures/) whose entrypoint mixins are composed here."""

from __future__ import annotations

from nameko.rpc import RpcProxy, rpc

from common import crypto, process
from common.db import Database
from common.preflight import Preflight
from services.tasks.fieldwork import sms
from services.tasks.fieldwork.entrypoints import FieldworkEntrypoints
from services.tasks.figures.entrypoints import FiguresEntrypoints
from services.tasks.hotspots.entrypoints import HotspotEntrypoints
from services.tasks.models import Base, OutboxMessage, ProcessedEvent
from services.tasks.open311.entrypoints import Open311Entrypoints
from services.tasks.procedures.commands import require_completed_procedure
from services.tasks.procedures.entrypoints import ProceduresEntrypoints
from services.tasks.taskflow.dependencies import ScreeningSegmenter
from services.tasks.taskflow.entrypoints import TaskflowEntrypoints
from services.tasks.taskflow.screening_entrypoints import NegativeListEntrypoints

process.start()  # this process is a service: set it up (common/process.py)


class TasksService(
    TaskflowEntrypoints,
    FieldworkEntrypoints,
    ProceduresEntrypoints,
    Open311Entrypoints,
    HotspotEntrypoints,
    NegativeListEntrypoints,
    FiguresEntrypoints,
):
    name = "tasks"
    # composed here, not installed by an import: a major matter's assignment is accepted
    # only after its procedure (五议两公开) was completed
    accept_guards = (require_completed_procedure,)

    db = Database(Base, OutboxMessage, ProcessedEvent)
    # production refuses to start without field keys, or with the demo SMS outbox
    preflight = Preflight(crypto.ensure_configured, sms.ensure_real_sender_in_production)
    # look-ups in the org (who is responsible, subtrees); always through common.remote.call
    grids = RpcProxy("grids")
    # jieba for content screening, loaded when the container starts (not at import)
    segmenter = ScreeningSegmenter()

    @rpc
    def ping(self) -> str:
        return "pong"
