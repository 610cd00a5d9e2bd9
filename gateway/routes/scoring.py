"""Routes of the scoring area."""

from __future__ import annotations


class ScoringRoutes:
    pass
