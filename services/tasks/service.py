"""tasks service: one nameko service, two capabilities each in its own package
(taskflow/, fieldwork/) whose entrypoint mixins are composed here."""

from __future__ import annotations

from nameko.rpc import RpcProxy, rpc

from common.db import Database
from services.tasks.fieldwork.entrypoints import FieldworkEntrypoints
from services.tasks.figures.entrypoints import FiguresEntrypoints
from services.tasks.hotspots.entrypoints import HotspotEntrypoints
from services.tasks.models import Base, OutboxMessage, ProcessedEvent
from services.tasks.open311.entrypoints import Open311Entrypoints
from services.tasks.procedures.entrypoints import ProceduresEntrypoints
from services.tasks.taskflow.entrypoints import TaskflowEntrypoints


class TasksService(
    TaskflowEntrypoints,
    FieldworkEntrypoints,
    ProceduresEntrypoints,
    Open311Entrypoints,
    HotspotEntrypoints,
    FiguresEntrypoints,
):
    name = "tasks"

    db = Database(Base, OutboxMessage, ProcessedEvent)
    # look-ups in the org (who is responsible, subtrees); always through common.remote.call
    grids = RpcProxy("grids")

    @rpc
    def ping(self) -> str:
        return "pong"
