"""Events of the scoring service (praise, alerts, colour changes). Filled in by the scoring issue."""

from __future__ import annotations
