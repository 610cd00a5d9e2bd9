"""Counts that vary around the mean, the same for one random state."""

from __future__ import annotations

import random


def spread(total: int, parts: int, rng: random.Random, jitter: float = 0.3) -> list[int]:
    """`total` split into `parts` positive counts that vary around the mean (deterministic)."""
    if parts <= 0:
        return []
    weights = [1 + rng.uniform(-jitter, jitter) for _ in range(parts)]
    scale = (total - parts) / sum(weights) if total > parts else 0
    counts = [1 + int(w * scale) for w in weights]
    short = total - sum(counts)
    i = 0
    while short > 0:
        counts[i % parts] += 1
        short -= 1
        i += 1
    while short < 0:
        if counts[i % parts] > 1:
            counts[i % parts] -= 1
            short += 1
        i += 1
    return counts
