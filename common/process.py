"""What a service process sets up when it starts, in one explicit call at the top of each
service module (`nameko run` imports it there): broker consumers that survive a dropped
connection (`reconnect`), and fewer garbage-collection pauses (`config.tune_gc`). Importing
`common` changes nothing global; only this call does."""

from __future__ import annotations

from common import config, reconnect


def start() -> None:
    """Idempotent: a second service in the same process (tests) finds it done."""
    reconnect.install()
    config.tune_gc()
