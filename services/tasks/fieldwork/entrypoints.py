"""nameko entrypoints of the fieldwork capability (mixed into TasksService)."""

from __future__ import annotations


class FieldworkEntrypoints:
    pass
