"""Routes of the tasks area."""

from __future__ import annotations


class TaskflowRoutes:
    pass
