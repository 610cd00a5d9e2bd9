"""A per-client sliding-window limit for the login route (per gateway replica).

Together with the per-account lockout in grids, it slows password guessing from one
address without locking out a whole office behind one NAT for long.
"""

from __future__ import annotations

import time
from collections import deque

from common.config import env


class SlidingWindow:
    def __init__(self, limit: int, seconds: float):
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.seconds}
        return True


login_limiter = SlidingWindow(int(env("GOV_LOGIN_PER_MINUTE", "20")), 60.0)
