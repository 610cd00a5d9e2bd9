"""Signed-out tokens, kept in memory by every gateway replica.

Checking a token must not cost a call to grids on every request: each replica holds
the set of revoked token ids, loads it from grids once, and keeps it current from the
`token.revoked` events it receives on a queue of its own (broadcast).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

from common.errors import DomainError
from common.remote import call

log = logging.getLogger(__name__)


class RevokedTokens:
    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self.loaded = False

    def add(self, jti: str, expires_at: float) -> None:
        self._expiry[jti] = expires_at

    def is_revoked(self, jti: str | None) -> bool:
        if not jti or jti not in self._expiry:
            return False
        if self._expiry[jti] < time.time():
            del self._expiry[jti]  # expired tokens are refused by their expiry anyway
            return False
        return True

    def load_from(self, grids_proxy) -> None:
        """Fill from grids once; if grids is away, try again on the next request."""
        if self.loaded:
            return
        try:
            for row in call(grids_proxy, "grids", "revoked_tokens", timeout=2):
                self.add(row["jti"], epoch_of(row["expires_at"]))
            self.loaded = True
        except DomainError as error:
            log.warning("could not load revoked tokens yet: %s", error.code)


def epoch_of(iso: str) -> float:
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class Revocations(DependencyProvider):
    def setup(self) -> None:
        self.tokens = RevokedTokens()

    def get_dependency(self, worker_ctx) -> RevokedTokens:
        return self.tokens
