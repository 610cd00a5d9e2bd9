"""Hotspot early warning (聚类分析, 预测预警), the pure core: no database, no clock.

Residents' requests (mailbox, Open311) and the needs raised on visits are grouped by
similar Chinese text and by place and week; a group that grows in one village or
township faster than its usual rate is a hotspot. docs/hotspots.md explains the method:

1. text -> character bigrams of the Chinese runs (no word segmenter), TF-IDF weighted
   over the window, L2-normalised;
2. per township, items in (week, id) order join the most similar group (cosine of the
   item with the group's centroid >= `similarity`) or start a new one (leader clustering:
   deterministic, one pass);
3. per group and place (village, then township), weekly counts over the previous
   `baseline_weeks` weeks give a mean and standard deviation; the week under test is a
   hotspot when count >= `min_count` and z = (count - mean) / max(std, √mean, `std_floor`)
   >= `z_threshold`. A township alert is raised only when the villages' own alerts explain
   less than half of the township's count for that group.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from common.china_time import CHINA

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_URL = re.compile(r"https?://\S+")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")

# Bigrams that say nothing about the subject of a request (politeness, filler, the mailbox's
# own title words). TF-IDF already weighs common bigrams down; these are dropped outright.
STOP_BIGRAMS = frozenset(
    """我们 你们 他们 村里 这个 那个 一下 希望 请求 反映 问题 情况 没有 已经 什么 怎么 能否 麻烦 谢谢
    村民 民来 来信 随手 手拍 语音 音留 留言 现在 最近 一直 还是 可以 帮忙 尽快 处理 解决 一个 有点
    非常 特别 经常 好几 几天 这里 那里 我家 家里 附近 大家 大概 是不 不是 有没 应该 需要 相关""".split()
)


@dataclass(frozen=True)
class Params:
    """The detector's knobs; docs/hotspots.md gives the reasons for the defaults."""

    baseline_weeks: int = 8  # N: weeks before the week under test that make the usual rate
    z_threshold: float = 4.0  # k: how many deviations above the mean counts as a spike
    min_count: int = 6  # fewer requests than this in a week is never a hotspot
    similarity: float = 0.3  # cosine between an item and a group's centroid to join it
    merge: float = 0.2  # cosine between two groups' centroids to make them one
    std_floor: float = 1.0  # a quiet baseline (all zeros) still needs `min_count` and z over this
    max_samples: int = 5
    label_terms: int = 3


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    week: str  # ISO week in China time, "2026-W14"
    village_id: int | None
    township_id: int | None


@dataclass
class Hotspot:
    place_kind: str  # village | township
    place_id: int
    township_id: int | None
    village_id: int | None
    week: str
    count: int
    mean: float
    std: float
    z: float
    terms: list[str]
    item_ids: list[int]
    samples: list[str]
    history: list[int] = field(default_factory=list)  # the baseline weeks' counts, oldest first

    @property
    def label(self) -> str:
        return "、".join(self.terms)

    @property
    def signature(self) -> str:
        """Stable key of this alert: the place, the week and the group's first item."""
        key = f"{self.place_kind}:{self.place_id}:{self.week}:{min(self.item_ids)}"
        return hashlib.sha1(key.encode()).hexdigest()[:16]


# -- weeks ----------------------------------------------------------------------------


def week_of(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    year, week, _ = moment.astimezone(CHINA).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> datetime:
    """Monday 00:00 China time of an ISO week."""
    match = WEEK.match(week)
    if not match:
        raise ValueError(f"not an ISO week: {week!r}")
    monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    return datetime(monday.year, monday.month, monday.day, tzinfo=CHINA)


def shift_week(week: str, weeks: int) -> str:
    return week_of(week_start(week) + timedelta(weeks=weeks))


def weeks_before(week: str, n: int) -> list[str]:
    """The `n` weeks before `week`, oldest first."""
    return [shift_week(week, -i) for i in range(n, 0, -1)]


# -- text -----------------------------------------------------------------------------


def bigrams(text: str) -> list[str]:
    """Character bigrams inside each run of Chinese characters; a lone character counts as itself."""
    grams = []
    for run in _HAN_RUN.findall(_URL.sub(" ", text or "")):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return [g for g in grams if g not in STOP_BIGRAMS]


def tfidf(docs: list[list[str]]) -> list[dict[str, float]]:
    """Sublinear TF times smoothed IDF, each vector L2-normalised."""
    df = Counter(term for doc in docs for term in set(doc))
    n = len(docs)
    idf = {term: math.log((1 + n) / (1 + d)) + 1 for term, d in df.items()}
    vectors = []
    for doc in docs:
        weights = {t: (1 + math.log(c)) * idf[t] for t, c in Counter(doc).items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        vectors.append({t: w / norm for t, w in weights.items()})
    return vectors


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


class _Group:
    def __init__(self) -> None:
        self.members: list[int] = []  # indexes into the township's items
        self.total: dict[str, float] = defaultdict(float)
        self.norm = 0.0

    def add(self, index: int, vector: dict[str, float]) -> None:
        self.members.append(index)
        for t, w in vector.items():
            self.total[t] += w
        self.norm = math.sqrt(sum(w * w for w in self.total.values()))

    def similarity(self, vector: dict[str, float]) -> float:
        return _dot(vector, self.total) / self.norm if self.norm else 0.0

    def centroid(self) -> dict[str, float]:
        return {t: w / self.norm for t, w in self.total.items()} if self.norm else {}


def _leader(vectors: list[dict[str, float]], threshold: float) -> list[list[int]]:
    """One pass in the given order: each vector joins the group whose centroid is most similar
    (at least `threshold`; ties to the older group) or starts a new one. Candidates are the
    groups sharing a term with it. Returns the member indexes of each group."""
    groups: list[_Group] = []
    by_term: dict[str, set[int]] = defaultdict(set)
    for index, vector in enumerate(vectors):
        best, best_sim = None, threshold
        for g in sorted({g for t in vector for g in by_term.get(t, ())}):
            sim = groups[g].similarity(vector)
            if sim > best_sim or (best is None and sim >= best_sim):
                best, best_sim = g, sim
        if best is None:
            groups.append(_Group())
            best = len(groups) - 1
        groups[best].add(index, vector)
        for t in vector:
            by_term[t].add(best)
    return [g.members for g in groups]


def cluster(vectors: list[dict[str, float]], threshold: float, merge: float) -> list[_Group]:
    """Leader clustering of the items, then of the groups' centroids until none are
    `merge`-similar (so that one subject written two ways, which started two groups, ends as one)."""
    parts = _leader(vectors, threshold)
    while True:  # merge groups until no two centroids are `merge`-similar
        groups = []
        for members in parts:
            g = _Group()
            for m in members:
                g.add(m, vectors[m])
            groups.append(g)
        merged = _leader([g.centroid() for g in groups], merge)
        if len(merged) == len(parts):
            return groups
        parts = [sorted(m for p in ps for m in parts[p]) for ps in merged]


# -- detection ------------------------------------------------------------------------


def _stats(history: list[int]) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1) of the baseline weeks."""
    n = len(history)
    mean = sum(history) / n if n else 0.0
    var = sum((x - mean) ** 2 for x in history) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var)


def spread(mean: float, std: float, floor: float) -> float:
    """The deviation a z-score divides by: the baseline's own, but never less than √mean
    (counts of rare events vary at least that much: Poisson) nor than `floor`."""
    return max(std, math.sqrt(mean), floor)


def detect(items: list[Item], week: str, params: Params = Params()) -> list[Hotspot]:
    """Hotspots of `week` among `items` (which may span more weeks; others are ignored)."""
    window = [*weeks_before(week, params.baseline_weeks), week]
    inside = set(window)
    items = sorted((i for i in items if i.week in inside), key=lambda i: (window.index(i.week), i.id))
    docs = [bigrams(i.text) for i in items]
    vectors = tfidf(docs)
    by_township: dict[int | None, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_township[item.township_id].append(index)

    found: list[Hotspot] = []
    for township_id in sorted(by_township, key=lambda t: (t is None, t or 0)):
        indexes = [i for i in by_township[township_id] if vectors[i]]
        groups = cluster([vectors[i] for i in indexes], params.similarity, params.merge)
        for group in groups:
            members = [items[indexes[m]] for m in group.members]
            mvectors = [vectors[indexes[m]] for m in group.members]
            centroid = group.centroid()
            village_hits = []
            villages = sorted({m.village_id for m in members if m.week == week and m.village_id is not None})
            for village_id in villages:
                hit = _check(
                    "village",
                    village_id,
                    township_id,
                    village_id,
                    [(m, v) for m, v in zip(members, mvectors, strict=True) if m.village_id == village_id],
                    centroid,
                    window,
                    params,
                )
                if hit:
                    village_hits.append(hit)
            found.extend(village_hits)
            explained = sum(h.count for h in village_hits)
            if township_id is not None:
                hit = _check(
                    "township",
                    township_id,
                    township_id,
                    None,
                    list(zip(members, mvectors, strict=True)),
                    centroid,
                    window,
                    params,
                )
                # the township's own alert only for what its villages' alerts do not explain
                if hit and explained * 2 < hit.count:
                    found.append(hit)
    found.sort(key=lambda h: (-h.z, h.place_kind, h.place_id, min(h.item_ids)))
    return found


def _check(
    place_kind: str,
    place_id: int,
    township_id: int | None,
    village_id: int | None,
    pairs: list[tuple[Item, dict[str, float]]],
    centroid: dict[str, float],
    window: list[str],
    params: Params,
) -> Hotspot | None:
    week = window[-1]
    counts = Counter(m.week for m, _ in pairs)
    count = counts.get(week, 0)
    if count < params.min_count:
        return None
    history = [counts.get(w, 0) for w in window[:-1]]
    mean, std = _stats(history)
    z = (count - mean) / spread(mean, std, params.std_floor)
    if z < params.z_threshold:
        return None
    current = [(m, v) for m, v in pairs if m.week == week]
    # samples: the most typical texts first (closest to the group's centroid), then by id
    ranked = sorted(current, key=lambda mv: (-round(_dot(mv[1], centroid), 9), mv[0].id))
    # label: the bigrams most of this week's requests share, then most of the group's
    now_df = Counter(t for _, v in current for t in v)
    all_df = Counter(t for _, v in pairs for t in v)
    terms = sorted(now_df, key=lambda t: (-now_df[t], -all_df[t], t))[: params.label_terms]
    return Hotspot(
        place_kind=place_kind,
        place_id=place_id,
        township_id=township_id,
        village_id=village_id,
        week=week,
        count=count,
        mean=round(mean, 3),
        std=round(std, 3),
        z=round(z, 3),
        terms=terms,
        item_ids=sorted(m.id for m, _ in current),
        samples=[m.text for m, _ in ranked[: params.max_samples]],
        history=history,
    )
