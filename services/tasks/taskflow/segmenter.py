"""Chinese word segmentation for content screening: one jieba tokenizer per process.

jieba takes about a second to load its dictionary, so the tasks service starts the
segmenter when its container starts (services/tasks/taskflow/dependencies.py), never at
import. It is taught the catalogue's names, aliases and keywords and the negative list's
keywords, so that "垃圾分类" or "五议两公开" come out as one word as well as their parts.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import jieba

_KEEP = re.compile(r"^[\u4e00-\u9fff0-9a-z]+$")
# words every notice has: they say nothing about which matter it is
STOP_WORDS = frozenset(
    "关于 开展 进行 做好 加强 进一步 有关 事项 工作 通知 各村 各村社 村社 社区 各镇 镇街 街道 乡镇 "
    "全体 全面 请 要求 按照 根据 组织 落实 确保 及时 认真 以上 以下 本次 此次 一次 我镇 我街道 "
    "各位 同志 部署 安排 情况 相关 务必 前 后 月 日 年 月底 之前 并 将 对 在 于 的 了 和 与 及 "
    "或 为 把 被 等 各 项 由 向 从 其 该 本 是 有 一个 一下 目前 近期 当前 日前 即日起 现将 如下 "
    "特此 报送 上报 统一 开展好 切实 扎实 有序 推进 重点 情况表 汇总 负责 负责人 联系人 电话".split()
)


class Segmenter:
    def __init__(self) -> None:
        self._tokenizer: jieba.Tokenizer | None = None
        self._known: set[str] = set()
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._tokenizer is not None

    def start(self, words: Iterable[str] = ()) -> None:
        """Load jieba's dictionary (once) and teach it `words`."""
        with self._lock:
            if self._tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                self._tokenizer = tokenizer
        self.learn(words)

    def learn(self, words: Iterable[str]) -> None:
        if self._tokenizer is None:
            self.start()
        with self._lock:
            for word in words:
                word = word.strip().lower()
                if len(word) >= 2 and word not in self._known:
                    self._tokenizer.add_word(word)
                    self._known.add(word)

    def tokens(self, text: str) -> list[str]:
        """Words and their sub-words (jieba's search mode), without filler words."""
        if self._tokenizer is None:
            self.start()  # scripts and tests that did not start a service
        return [
            w
            for w in self._tokenizer.cut_for_search((text or "").lower())
            if len(w) >= 2 and _KEEP.match(w) and w not in STOP_WORDS
        ]


SEGMENTER = Segmenter()  # started by the service; nothing is loaded until then
