"""Storage of this capability: its tables on the tasks service's Base."""

from __future__ import annotations

from services.tasks.models import Base  # noqa: F401 - tables of this capability derive from it
