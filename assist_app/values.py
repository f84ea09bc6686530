"""The analysis value types: one utterance, what the engine concluded about it (flags, emotion,
suggestions, the formula position) and its acoustic measurements; frozen, with the DESIGN.md §5
``to_json`` wire form. Split out of ``events.py`` (issue 11), which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assist_app.enums import EmotionLabel, FlagKind, Phase, Severity, Speaker


@dataclass(frozen=True, slots=True)
class Utterance:
    """One final (or partial) piece of speech from one side of the call."""

    speaker: Speaker
    text: str
    call_id: str = "call"
    index: int = 0
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class AcousticFeatures:
    """Optional acoustic measurements for one utterance, fed by the audio pipeline.

    ``loudness_rel_db`` is the utterance's loudness against the speaker's own running baseline
    (positive = louder than usual); ``rate_cpm`` is characters per minute; ``overlap_s`` is how
    long the other side was talking at the same time.
    """

    loudness_rel_db: float | None = None
    rate_cpm: float | None = None
    overlap_s: float | None = None


def chars_per_minute(chars: int, start: float | None, end: float | None) -> float | None:
    """Speaking rate in 字/分 of ``chars`` said between ``start`` and ``end`` (seconds); ``None``
    without a positive duration. The one formula behind ``AcousticFeatures.rate_cpm`` and the
    conduct check's fallback; each caller keeps its own minimum length before trusting it."""
    if start is None or end is None or end <= start:
        return None
    return chars / ((end - start) / 60.0)


@dataclass(frozen=True, slots=True)
class Flag:
    """A banned phrase or a conduct problem in the agent's speech (DESIGN.md §5 ``flags`` item)."""

    rule: str
    kind: FlagKind
    severity: Severity
    span: tuple[int, int]
    matched: str
    message: str
    replacement: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "span": [self.span[0], self.span[1]],
            "matched": self.matched,
            "message": self.message,
            "replacement": self.replacement,
        }


@dataclass(frozen=True, slots=True)
class EmotionReading:
    label: EmotionLabel
    intensity: float
    cues: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label.value, "intensity": round(self.intensity, 3), "cues": list(self.cues)}


@dataclass(frozen=True, slots=True)
class Suggestion:
    step: Phase
    text: str
    reason: str
    phrase_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step.value, "text": self.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class FormulaPosition:
    """Where the call stands in the formula: steps done, the current one, the next one."""

    done: tuple[Phase, ...]
    current: Phase
    next: Phase | None


@dataclass(frozen=True, slots=True)
class UtteranceAnalysis:
    """Everything the engine concluded about one final utterance (one ``analyze`` output line)."""

    utterance: Utterance
    phase: Phase
    call_phase: Phase
    position: FormulaPosition
    emotion: EmotionReading | None
    flags: tuple[Flag, ...]
    suggestions: tuple[Suggestion, ...]

    def to_json(self) -> dict[str, Any]:
        u = self.utterance
        return {
            "call_id": u.call_id,
            "index": u.index,
            "speaker": u.speaker.value,
            "text": u.text,
            "phase": self.phase.value,
            "call_phase": self.call_phase.value,
            "emotion": self.emotion.to_json() if self.emotion else None,
            "flags": [f.to_json() for f in self.flags],
            "suggestions": [s.to_json() for s in self.suggestions],
        }
