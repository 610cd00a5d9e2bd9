"""Checks a service runs before it starts: a bad setting stops the process at start-up,
not at the first request that needs it (missing keys in production, the demo SMS outbox)."""

from __future__ import annotations

from collections.abc import Callable

from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider


class Preflight(DependencyProvider):
    def __init__(self, *checks: Callable[[], None]):
        self.checks = checks

    def setup(self) -> None:
        for check in self.checks:
            check()  # raises: the container does not start

    def get_dependency(self, worker_ctx: WorkerContext) -> None:
        return None
