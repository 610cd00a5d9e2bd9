"""The negative list (基层减负负面清单): what villages must not be asked to do, whatever
screening code a task carries. Pure rules: the stored rules come in, the hits go out.

The default list is data (config/negative_list.yaml), validated with the same contract as
the API before it is loaded. A rule hits when one of its keywords occurs in the task's
title or text, or one of its regular expressions matches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import regex
import yaml
from marshmallow import ValidationError

from common.config import ROOT
from common.contracts.screening import NegativeRuleFile

DEFAULT_PATH = ROOT / "config" / "negative_list.yaml"
_SPACE = re.compile(r"\s+")
# the county admin writes the patterns: one that backtracks without end must not stall
# the tasks service, so each search has a deadline, and a rule that runs out holds the task
MATCH_SECONDS = 0.1
TIMED_OUT = "(规则匹配超时,请人工审核)"


@dataclass(frozen=True)
class NegativeRule:
    rule_id: str
    name: str
    reason: str
    keywords: tuple[str, ...]
    patterns: tuple[str, ...]
    version: int = 1


@dataclass(frozen=True)
class Hit:
    rule_id: str
    name: str
    reason: str
    matched: str  # the words of the text that hit, shown to the reviewer
    version: int

    def message(self) -> str:
        return f"触及基层减负负面清单“{self.name}”({self.rule_id}):“{self.matched}”。{self.reason}"


def hits(rules: list[NegativeRule], title: str, content: str = "") -> list[Hit]:
    """Every rule the task's title or text hits, once each, in rule order."""
    text = _SPACE.sub("", f"{title}。{content}")
    found = []
    for rule in rules:
        matched = next((k for k in rule.keywords if k and k in text), None)
        if matched is None:
            matched = _pattern_hit(rule.patterns, text)
        if matched:
            found.append(Hit(rule.rule_id, rule.name, rule.reason, matched, rule.version))
    return found


def _pattern_hit(patterns: tuple[str, ...], text: str) -> str | None:
    for pattern in patterns:
        try:
            match = regex.search(pattern, text, timeout=MATCH_SECONDS)
        except TimeoutError:
            return TIMED_OUT
        if match:
            return match.group(0)
    return None


def load_default(path: Path = DEFAULT_PATH) -> list[dict]:
    """The default rules as validated dicts (rule_id, name, reason, keywords, patterns)."""
    with open(path, encoding="utf-8") as f:
        rows = NegativeRuleFile().load(yaml.safe_load(f))["rules"]
    ids = [r["rule_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValidationError({"rules": ["规则编号重复"]})
    return rows


def rules_of(rows: list[dict]) -> list[NegativeRule]:
    return [
        NegativeRule(
            r["rule_id"],
            r["name"],
            r.get("reason", ""),
            tuple(r["keywords"]),
            tuple(r["patterns"]),
            r.get("version", 1),
        )
        for r in rows
    ]
