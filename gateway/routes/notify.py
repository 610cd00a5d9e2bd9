"""Routes of the notify area."""

from __future__ import annotations


class NotifyRoutes:
    pass
