"""Matching a task's text to catalogue matters (事项过筛的内容比对).

Each matter is a bag of jieba words from its name, aliases and keywords (weighted above
its category and description); a text is scored against every matter with BM25, and the
score becomes a confidence in [0, 1) as score / (score + HALF) (`KNOWN_SHARE`: short texts
in the catalogue's own words). Below `THRESHOLD` the
answer is "no matching matter" rather than the least unrelated ones. The same score says
whether a task's own screening code has anything to do with its text.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from services.tasks.taskflow.segmenter import SEGMENTER, Segmenter

NO_MATCH_MESSAGE = "未找到匹配事项"
THRESHOLD = 0.6  # confidence below which nothing is offered: a BM25 score below 9
HALF = 6.0  # the BM25 score of confidence 0.5: about two distinctive words in common
K1, B = 1.2, 0.5
# A short text made of the catalogue's own words ("垃圾清理") cannot reach the threshold by
# BM25 alone, having few words to match; when at least this share of its words is known to
# the catalogue, its scores count (1 + that share) times. Notices about other things (a
# canteen, a holiday) share few of their words with the catalogue (at most 0.375 in the test set).
KNOWN_SHARE = 0.6
FIELD_WEIGHTS = {"name": 3, "aliases": 3, "keywords": 2, "category": 1, "description": 1}


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float


def matter_terms(matter: dict) -> list[str]:
    """The words a matter brings to the user dictionary: its name, aliases and keywords."""
    text = " ".join(matter.get(f) or "" for f in ("aliases", "keywords"))
    return [matter["name"], *text.split()]


class Suggester:
    def __init__(self, matters: list[dict], segmenter: Segmenter = SEGMENTER):
        """`matters`: dicts with code, name, aliases, keywords, category, description."""
        self.segmenter = segmenter
        segmenter.learn(w for m in matters for w in matter_terms(m))
        self.docs: list[tuple[dict, Counter]] = []
        for m in matters:
            bag: Counter = Counter()
            for field, weight in FIELD_WEIGHTS.items():
                for word in segmenter.tokens(m.get(field) or ""):
                    bag[word] += weight
            self.docs.append((m, bag))
        n = max(len(self.docs), 1)
        df: Counter = Counter()
        for _, bag in self.docs:
            df.update(bag.keys())
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.avgdl = sum(sum(b.values()) for _, b in self.docs) / n or 1.0

    def _score(self, words: set[str], bag: Counter) -> float:
        norm = K1 * (1 - B + B * sum(bag.values()) / self.avgdl)
        return sum(self.idf[w] * bag[w] * (K1 + 1) / (bag[w] + norm) for w in words if w in bag)

    def ranked(self, text: str) -> list[Suggestion]:
        words = set(self.segmenter.tokens(text))
        known = sum(1 for w in words if w in self.idf) / max(len(words), 1)
        boost = 1 + known if known >= KNOWN_SHARE else 1.0  # the same for every matter: ranks keep
        scored = []
        for m, bag in self.docs:
            s = self._score(words, bag) * boost
            scored.append(Suggestion(m["code"], m["name"], round(s / (s + HALF), 4)))
        scored.sort(key=lambda s: (-s.score, s.code))
        return scored

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """Up to `k` matters at or above the threshold; none means "no matching matter"."""
        return [s for s in self.ranked(text)[:k] if s.score >= THRESHOLD]

    def mismatch(self, text: str, code: str, k: int = 3) -> Suggestion | None:
        """The matter of `code` scored against `text` when it has nothing to do with it
        (below the threshold and not among the best `k`), else None."""
        ranked = self.ranked(text)
        own = next((s for s in ranked if s.code == code), None)
        if own is None or own.score >= THRESHOLD or own in ranked[:k] and own.score > 0:
            return None
        return own
