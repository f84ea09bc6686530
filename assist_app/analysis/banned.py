"""Banned-phrase (服务忌语) detection on agent speech, final or partial.

Rules come from ``banned.yaml`` (seeds 000/001/002 plus common 忌语 of Chinese service lines).
A match overlapping one of the rule's ``unless`` patterns is a polite near-miss and is dropped
("我不知道您是否方便…", "如果不行的话我再帮您申请"). Matching tolerates recognition errors
(see ``matcher``). ``PartialTracker`` reports each hit once per utterance while the hypothesis
grows, so an alert appears on the first partial that contains the words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from assist_app.analysis.matcher import PatternSet
from assist_app.events import Flag, FlagKind
from assist_app.library.model import BannedRule, ScriptLibrary
from assist_app.textnorm import NormText, normalize


@dataclass(frozen=True, slots=True)
class BannedHit:
    rule: BannedRule
    flag: Flag
    key: tuple[str, int]  # (rule id, n-th occurrence of that rule in the utterance)


class BannedPhraseDetector:
    """Finds banned phrases in agent text; built once per library."""

    def __init__(self, library: ScriptLibrary) -> None:
        self._rules = {r.id: r for r in library.banned.rules}
        self._patterns: PatternSet[str] = PatternSet((p, r.id) for r in library.banned.rules for p in r.patterns)
        self._unless: PatternSet[str] = PatternSet((p, r.id) for r in library.banned.rules for p in r.unless)
        self._category_names = {c.id: c.name for c in library.banned.categories}

    def detect(self, text: str | NormText) -> list[BannedHit]:
        norm = text if isinstance(text, NormText) else normalize(text)
        matches = self._patterns.find(norm)
        if not matches:
            return []
        polite = [m for m in self._unless.find(norm)]
        # Per rule, keep the longest non-overlapping matches across all its patterns.
        matches.sort(key=lambda m: (m.quality, -(m.end - m.start), m.start))
        taken: dict[str, list[tuple[int, int]]] = {}
        kept = []
        for m in matches:
            spans = taken.setdefault(m.payload, [])
            if any(not (m.end <= s or m.start >= e) for s, e in spans):
                continue
            if any(u.payload == m.payload and u.start < m.end and m.start < u.end for u in polite):
                continue
            spans.append((m.start, m.end))
            kept.append(m)
        kept.sort(key=lambda m: m.start)
        seen: Counter[str] = Counter()
        hits: list[BannedHit] = []
        for m in kept:
            rule = self._rules[m.payload]
            start, end = norm.span_to_original(m.start, m.end)
            flag = Flag(
                rule=rule.id,
                kind=FlagKind.BANNED_PHRASE,
                severity=rule.severity,
                span=(start, end),
                matched=norm.original[start:end],
                message=rule.message,
                replacement=rule.replacement,
            )
            hits.append(BannedHit(rule, flag, (rule.id, seen[rule.id])))
            seen[rule.id] += 1
        return hits

    def category_name(self, rule_id: str) -> str:
        rule = self._rules.get(rule_id)
        return self._category_names.get(rule.category, rule.category) if rule else ""


class PartialTracker:
    """Reports each banned-phrase hit once per utterance across growing partial hypotheses."""

    def __init__(self, detector: BannedPhraseDetector) -> None:
        self._detector = detector
        self._reported: set[tuple[str, int]] = set()
        self.last_flags: list[Flag] = []  # every rule flag in the latest partial, reported or not

    def update(self, text: str | NormText) -> list[Flag]:
        """New flags in this partial hypothesis (not reported before for this utterance)."""
        new = []
        hits = self._detector.detect(text)
        self.last_flags = [h.flag for h in hits]
        for hit in hits:
            if hit.key not in self._reported:
                self._reported.add(hit.key)
                new.append(hit.flag)
        return new

    def offer(self, flags: list[Flag]) -> list[Flag]:
        """Of flags found by another detector on this partial, those not reported yet (one per rule)."""
        new = []
        for f in flags:
            key = (f.rule, 0)
            if key not in self._reported:
                self._reported.add(key)
                new.append(f)
        return new

    def finish(self, flags: list[Flag]) -> list[Flag]:
        """Of the final utterance's flags, those not yet reported; then reset for the next one."""
        seen: Counter[str] = Counter()
        new = []
        for f in flags:
            key = (f.rule, seen[f.rule])
            seen[f.rule] += 1
            if key not in self._reported:
                new.append(f)
        self._reported.clear()
        return new
