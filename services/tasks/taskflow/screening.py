"""Suggesting catalogue matters for a task that came without a screening code.

Chinese needs no word segmenter here: each matter becomes a bag of character unigrams
and bigrams (name weighted above keywords and description), weighted by TF-IDF, and a
task's title and content are scored by cosine similarity. The top three are offered
to the sender, never applied automatically.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_KEEP = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]+")
_STOP = set("的了和与及或在对为把被等各项开展工作进行做好关于有关")


def grams(text: str) -> Counter:
    """Character unigrams (minus filler characters) and bigrams of each run of text."""
    counts: Counter = Counter()
    for run in _KEEP.findall(text or ""):
        run = run.lower()
        counts.update(ch for ch in run if ch not in _STOP)
        counts.update(run[i : i + 2] for i in range(len(run) - 1))
    return counts


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float


class Suggester:
    def __init__(self, matters: list[dict]):
        """`matters`: dicts with code, name, keywords, description, category."""
        docs: list[tuple[dict, Counter]] = []
        for m in matters:
            bag: Counter = Counter()
            for _ in range(3):  # the name says most
                bag.update(grams(m["name"]))
            for _ in range(2):  # keywords are chosen to be what senders write
                bag.update(grams(m.get("keywords", "")))
            bag.update(grams(m.get("category", "")))
            bag.update(grams(m.get("description", "")))
            docs.append((m, bag))
        df: Counter = Counter()
        for _, bag in docs:
            df.update(bag.keys())
        n = max(len(docs), 1)
        self.idf = {g: math.log((n + 1) / (c + 0.5)) for g, c in df.items()}
        self.vectors = []
        for m, bag in docs:
            vec = {g: (1 + math.log(c)) * self.idf[g] for g, c in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors.append((m, vec, norm))

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        bag = grams(text)
        query = {g: (1 + math.log(c)) * self.idf[g] for g, c in bag.items() if g in self.idf}
        qnorm = math.sqrt(sum(v * v for v in query.values())) or 1.0
        scored = []
        for m, vec, norm in self.vectors:
            dot = sum(w * vec.get(g, 0.0) for g, w in query.items())
            scored.append((dot / (norm * qnorm), m["code"], m["name"]))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [Suggestion(code=c, name=n, score=round(s, 4)) for s, c, n in scored[:k]]
