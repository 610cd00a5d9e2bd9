"""Hooks the procedures capability puts into taskflow (same service, same process):
a major matter's assignment is accepted only after its procedure was completed."""

from __future__ import annotations

from services.tasks.procedures.commands import require_completed_procedure
from services.tasks.taskflow import commands as taskflow

if require_completed_procedure not in taskflow.ACCEPT_GUARDS:
    taskflow.ACCEPT_GUARDS.append(require_completed_procedure)
