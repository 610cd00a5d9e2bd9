"""Generated residents' requests with planted spikes and noise, for the hotspot detector's tests.

Not a test module itself: tests/unit/test_hotspots_detector.py and
tests/integration/test_hotspots_check.py import it. Everything comes from one seeded
`random.Random`, so a seed gives the same data every time.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass

from services.tasks.hotspots.detector import Hotspot, Item, shift_week

# topic -> phrases residents use about it; a request joins two of them with some filler
TOPICS: dict[str, list[str]] = {
    "water": ["水压太低", "水压很小", "自来水水压不足", "楼上放不出水", "水龙头出水很小", "早上水压低没水用"],
    "light": ["路灯不亮", "路灯坏了", "晚上路灯黑乎乎", "路灯一直没修", "村道路灯不亮"],
    "garbage": ["垃圾桶满了", "垃圾没人清运", "垃圾堆着发臭", "垃圾清运不及时", "垃圾桶满出来"],
    "road": ["路面坑洼", "道路破损严重", "路上有个大坑", "水泥路开裂", "村道坑洼不平"],
    "noise": ["广场舞噪音大", "晚上噪音太大", "噪音扰民睡不着", "音响噪音吵人"],
    "dog": ["流浪狗咬人", "流浪狗到处乱跑", "流浪狗太多", "狗追着小孩咬"],
    "drain": ["下水道堵塞", "排水沟堵了", "污水外溢", "下水道反味"],
    "insurance": ["医保缴费怎么交", "医保报销流程", "医保卡补办", "医保缴费截止时间"],
    "signal": ["手机信号差", "宽带网速慢", "手机没信号", "宽带经常断网"],
    "parking": ["车辆乱停堵路", "停车位不够", "货车乱停挡门口", "乱停车堵住村道"],
}
PREFIXES = ["", "我家", "村口", "这几天", "老人说", "隔壁", "学校旁边", "桥头"]
JOINS = [",", ",而且", ",还有", "。"]
SUFFIXES = ["", ",希望尽快处理", ",麻烦看看", ",已经好几天了", ",谢谢"]
# one-off requests that belong to no topic: noise the detector must not group into a spike
MISC = [
    "想咨询宅基地审批要哪些材料",
    "孩子转学手续怎么办",
    "低保申请需要什么条件",
    "老年证在哪里办理",
    "农房翻建审批进度",
    "土地流转合同到期怎么续",
    "电费缴费窗口在哪",
    "就业培训什么时候报名",
    "独居老人需要人看望",
    "邻居家树枝伸到我家院子",
    "村里文化礼堂能借用吗",
    "疫苗接种点在哪里",
    "养老保险补缴政策",
    "残疾证年审时间",
    "退役军人优待证领取",
    "建议村里增加健身器材",
    "公交车班次太少",
    "菜市场摊位怎么申请",
    "山林权属有争议",
    "鱼塘承包到期了",
]


@dataclass(frozen=True)
class Planted:
    place_kind: str
    place_id: int
    topic: str
    week: str


@dataclass
class Generated:
    items: list[Item]
    topic_of: dict[int, str]  # item id -> topic ("misc" for noise)
    planted: list[Planted]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def sentence(rng: random.Random, topic: str) -> str:
    if topic == "misc":
        return rng.choice(PREFIXES) + rng.choice(MISC) + rng.choice(SUFFIXES)
    a, b = rng.sample(TOPICS[topic], 2)
    if rng.random() < 0.3:
        return rng.choice(PREFIXES) + a + rng.choice(SUFFIXES)
    return rng.choice(PREFIXES) + a + rng.choice(JOINS) + b + rng.choice(SUFFIXES)


def generate(
    seed: int, week: str, baseline_weeks: int = 8, townships: int = 3, villages: int = 5
) -> Generated:
    """A county's requests over `baseline_weeks` + 1 weeks; spikes planted in `week` only.

    - background: each (village, topic) has a usual weekly rate from 0 to 4 (Poisson counts),
      including steady busy topics that run high every week (must not alert);
    - noise: one-off misc requests everywhere, and small bumps of 2-3 on a quiet topic;
    - planted: two village spikes (8-14 extra requests on one topic) and one township-wide
      spike (3 extra requests in each of three villages, too few for any one village).
    """
    rng = random.Random(seed)
    weeks = [shift_week(week, -i) for i in range(baseline_weeks, -1, -1)]
    place = {}  # village id -> township id
    for t in range(townships):
        for v in range(villages):
            place[100 * (t + 1) + v + 1] = t + 1
    rates = {(v, topic): rng.choice([0, 0, 0.2, 0.5, 1.0, 1.5, 2.0, 4.0]) for v in place for topic in TOPICS}
    items: list[Item] = []
    topic_of: dict[int, str] = {}

    def add(village: int, w: str, topic: str) -> None:
        item_id = len(items) + 1
        items.append(Item(item_id, sentence(rng, topic), w, village, place[village]))
        topic_of[item_id] = topic

    for w in weeks:
        for v in sorted(place):
            for topic in TOPICS:
                for _ in range(_poisson(rng, rates[(v, topic)])):
                    add(v, w, topic)
            for _ in range(_poisson(rng, 1.0)):
                add(v, w, "misc")
    planted: list[Planted] = []
    villages_ = sorted(place)
    quiet = [(v, t) for (v, t), r in sorted(rates.items()) if r <= 0.5]
    rng.shuffle(quiet)
    used_villages: set[int] = set()
    for v, topic in quiet:
        if len(planted) == 2:
            break
        if v in used_villages:
            continue
        used_villages.add(v)
        for _ in range(rng.randint(8, 14)):
            add(v, week, topic)
        planted.append(Planted("village", v, topic, week))
    # township-wide: a quiet topic in three villages of one township
    township = rng.randint(1, townships)
    members = [v for v in villages_ if place[v] == township and v not in used_villages]
    # the township's quietest topic (its usual weekly total is lowest), in three of its villages
    taken = {p.topic for p in planted if place[p.place_id] == township}
    topic = min(
        (t for t in TOPICS if t not in taken),
        key=lambda t: (sum(rates[(v, t)] for v in villages_ if place[v] == township), t),
    )
    chosen = rng.sample(members, 3)
    for v in chosen:
        for _ in range(3):
            add(v, week, topic)
    planted.append(Planted("township", township, topic, week))
    # small bumps: 2-3 on a topic a village never writes about (below any sensible minimum)
    silent = [(v, t) for (v, t), r in sorted(rates.items()) if r == 0]
    rng.shuffle(silent)
    for v, topic in silent[:6]:
        if v not in used_villages and place[v] != township:
            for _ in range(rng.randint(2, 3)):
                add(v, week, topic)
    return Generated(items, topic_of, planted)


def majority_topic(hotspot: Hotspot, topic_of: dict[int, str]) -> str:
    return Counter(topic_of[i] for i in hotspot.item_ids).most_common(1)[0][0]


def score(found: list[Hotspot], data: Generated) -> tuple[int, int, int]:
    """(true detections, detections, planted spikes found) for one data set.

    A detection is true when its week and majority topic are those of a planted spike and
    its place is the spike's place, or, for a township-wide spike, one of that township's
    villages (the spike seen where it is). Each planted spike is found once at most."""
    township_of = {i.village_id: i.township_id for i in data.items}
    true, found_planted = 0, set()
    for h in found:
        topic = majority_topic(h, data.topic_of)
        for n, p in enumerate(data.planted):
            if (p.topic, p.week) != (topic, h.week):
                continue
            same = (p.place_kind, p.place_id) == (h.place_kind, h.place_id)
            inside = (
                p.place_kind == "township"
                and h.place_kind == "village"
                and township_of.get(h.place_id) == p.place_id
            )
            if same or inside:
                true += 1
                found_planted.add(n)
                break
    return true, len(found), len(found_planted)
