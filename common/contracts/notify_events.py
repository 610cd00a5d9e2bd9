"""Events of the notify service (deliveries that failed for good, and the like)."""

from __future__ import annotations
