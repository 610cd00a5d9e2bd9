"""nameko entrypoints of the taskflow capability (mixed into TasksService)."""

from __future__ import annotations


class TaskflowEntrypoints:
    pass
