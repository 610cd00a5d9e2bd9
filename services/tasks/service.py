"""tasks service: one nameko service, two capabilities each in its own package
(taskflow/, fieldwork/) whose entrypoint mixins are composed here."""

from __future__ import annotations

from nameko.rpc import RpcProxy, rpc

from common import crypto
from common.db import Database
from common.preflight import Preflight
from services.tasks.fieldwork import sms
from services.tasks.fieldwork.entrypoints import FieldworkEntrypoints
from services.tasks.figures.entrypoints import FiguresEntrypoints
from services.tasks.hotspots.entrypoints import HotspotEntrypoints
from services.tasks.models import Base, OutboxMessage, ProcessedEvent
from services.tasks.open311.entrypoints import Open311Entrypoints
from services.tasks.procedures.entrypoints import ProceduresEntrypoints
from services.tasks.taskflow.dependencies import ScreeningSegmenter
from services.tasks.taskflow.entrypoints import TaskflowEntrypoints
from services.tasks.taskflow.screening_entrypoints import NegativeListEntrypoints


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
