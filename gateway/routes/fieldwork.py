"""Routes of the fieldwork area."""

from __future__ import annotations


class FieldworkRoutes:
    pass
