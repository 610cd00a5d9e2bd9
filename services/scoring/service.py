"""scoring service: nameko entrypoints over the domain code."""

from __future__ import annotations

from nameko.rpc import rpc

from common.db import Database
from services.scoring.models import Base, OutboxMessage, ProcessedEvent


class ScoringService:
    name = "scoring"

    db = Database(Base, OutboxMessage, ProcessedEvent)

    @rpc
    def ping(self) -> str:
        return "pong"
