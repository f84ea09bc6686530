"""Typed, frozen model of ``scripts_library/`` (see docs/library-format.md)."""

from __future__ import annotations

from dataclasses import dataclass

from assist_app.events import EmotionLabel, Phase, Severity, Speaker

BUILTIN_SITUATIONS = frozenset({"inbound", "outbound", "general"})
PLACEHOLDERS = frozenset({"company", "agent_id", "agent_name", "title", "hours", "minutes"})
#: What a phrase's ``requires:`` may name: things that must have happened earlier in the call
#: before the phrase fits (issue 12.16: "经查询……已经为您处理好了" before anything was looked up).
REQUIREMENTS = {
    "lookup": "坐席已让客户稍等查询，或已说出查询结果",
    "explained": "坐席已经作过解释",
}


@dataclass(frozen=True, slots=True)
class Phrase:
    id: str
    step: Phase
    text: str
    situations: tuple[str, ...]
    source: str = ""
    requires: tuple[str, ...] = ()  # REQUIREMENTS keys; at least one must have happened earlier
    only_in: tuple[str, ...] = ()  # situation ids; offered only once one was detected in the call
    not_in: tuple[str, ...] = ()  # situation ids; never offered once one was detected in the call


@dataclass(frozen=True, slots=True)
class Step:
    id: Phase
    name: str
    description: str
    agent_cues: tuple[str, ...]
    customer_cues: tuple[str, ...]
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class Formula:
    steps: tuple[Step, ...]

    def step(self, phase: Phase) -> Step:
        for s in self.steps:
            if s.id is phase:
                return s
        raise KeyError(phase)

    def phrases(self) -> tuple[Phrase, ...]:
        return tuple(p for s in self.steps for p in s.phrases)


@dataclass(frozen=True, slots=True)
class BannedCategory:
    """A kind of banned phrase. ``message``/``replacement`` are what a flag from the learned layer
    shows (it names the category, not a rule); by default the category's first rule's."""

    id: str
    name: str
    message: str = ""
    replacement: str = ""


@dataclass(frozen=True, slots=True)
class BannedRule:
    id: str
    category: str
    severity: Severity
    patterns: tuple[str, ...]
    unless: tuple[str, ...]
    replacement: str
    message: str
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Banned:
    categories: tuple[BannedCategory, ...]
    rules: tuple[BannedRule, ...]

    def category_name(self, category_id: str) -> str:
        for c in self.categories:
            if c.id == category_id:
                return c.name
        return category_id

    def category(self, category_id: str) -> BannedCategory | None:
        return next((c for c in self.categories if c.id == category_id), None)


@dataclass(frozen=True, slots=True)
class Situation:
    id: str
    name: str
    speaker: Speaker
    patterns: tuple[str, ...]
    steps: tuple[Phase, ...]
    reason: str
    priority: int


@dataclass(frozen=True, slots=True)
class WeightedCue:
    pattern: str
    weight: float


@dataclass(frozen=True, slots=True)
class LexiconMapping:
    category: str  # DUTIR category name, e.g. 怒
    emotion: EmotionLabel
    weight: float


@dataclass(frozen=True, slots=True)
class DegreeRule:
    words: tuple[str, ...]
    factor: float


@dataclass(frozen=True, slots=True)
class EmotionConfig:
    dutir: tuple[LexiconMapping, ...]
    ignore: frozenset[str]
    cues: dict[EmotionLabel, tuple[WeightedCue, ...]]
    degree: tuple[DegreeRule, ...]
    negation: tuple[str, ...]
    negation_window: int

    def __hash__(self) -> int:  # dict field: hash by identity, objects are never mutated
        return id(self)


@dataclass(frozen=True, slots=True)
class SpeakingRate:
    min_cpm: float
    max_cpm: float
    min_chars: int


@dataclass(frozen=True, slots=True)
class HoldConfig:
    limit_s: float
    update_every_s: float
    ask_patterns: tuple[str, ...]
    thanks_patterns: tuple[str, ...]
    progress_patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConductConfig:
    speaking_rate: SpeakingRate
    hold: HoldConfig
    opening_patterns: tuple[str, ...]
    opening_within_turns: int
    closing_check_patterns: tuple[str, ...]
    farewell_patterns: tuple[str, ...]
    address_patterns: tuple[str, ...]
    address_unless: tuple[str, ...]
    filler_patterns: tuple[str, ...]
    filler_max_per_utterance: int
    interruption_min_overlap_s: float


@dataclass(frozen=True, slots=True)
class ScriptLibrary:
    """The whole library, validated. Built only by ``load_library``."""

    root: str
    formula: Formula
    banned: Banned
    situations: tuple[Situation, ...]
    emotion: EmotionConfig
    conduct: ConductConfig

    def situation(self, situation_id: str) -> Situation | None:
        for s in self.situations:
            if s.id == situation_id:
                return s
        return None

    def counts(self) -> dict[str, int]:
        return {
            "steps": len(self.formula.steps),
            "phrases": len(self.formula.phrases()),
            "banned_rules": len(self.banned.rules),
            "situations": len(self.situations),
            "emotion_cues": sum(len(v) for v in self.emotion.cues.values()),
        }
