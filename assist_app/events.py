"""Typed, immutable events and value types shared by every package.

Everything that crosses a package boundary (audio → ASR → analysis → UI/store) is one of these
frozen dataclasses; no raw dicts travel between packages. ``to_json`` gives the DESIGN.md §5
wire form used by ``analyze`` output and the ``listen``/``demo`` event stream.

The analysis value types (``Utterance``, ``Flag``, ``UtteranceAnalysis``, ...) live in
``values.py`` and the vocabularies in ``enums.py``; both are re-exported here, so ``events`` stays
the one import for what travels between packages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from assist_app.enums import (
    HOLD_RULES,
    RATE_RULES,
    ConductRule,
    EmotionLabel,
    EndReason,
    FlagKind,
    Phase,
    Severity,
    Speaker,
    StatusCode,
)
from assist_app.values import (
    AcousticFeatures,
    EmotionReading,
    Flag,
    FormulaPosition,
    Suggestion,
    Utterance,
    UtteranceAnalysis,
    chars_per_minute,
)

__all__ = [  # the vocabularies of enums.py and the value types of values.py are part of this interface
    "HOLD_RULES", "RATE_RULES", "AcousticFeatures", "CallEnded", "CallStarted", "ConductEvent", "ConductRule",
    "CorrectedText", "EmotionEvent", "EmotionLabel", "EmotionReading", "EndReason", "Event", "FinalText", "Flag",
    "FlagKind", "FlagRaised", "FormulaPosition", "LevelEvent", "PartialText", "Phase", "PhaseEvent", "PracticeTurn",
    "Severity", "Speaker", "StatusCode", "StatusEvent", "Suggestion", "SuggestionEvent", "Utterance",
    "UtteranceAnalysed", "UtteranceAnalysis", "WordTiming", "chars_per_minute",
]


# --------------------------------------------------------------------------------------------
# Pipeline events (the ``listen`` / ``demo --headless`` stream). Every event carries the speaker
# (or None), ``t`` = seconds of call audio, and ``wall`` = Unix time it was emitted, so latency
# can be measured end to end.
# --------------------------------------------------------------------------------------------


def _now() -> float:
    return time.time()


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every event. ``utterance`` is the call's final-utterance index the event belongs to
    (set on ``FinalText`` by the session and copied onto everything the engine derives from it);
    ``turn`` is the scenario turn when a scripted source knows it. Neither is on the wire."""

    t: float
    speaker: Speaker | None = None
    wall: float = field(default_factory=_now)
    utterance: int | None = None
    turn: int | None = None

    type_name = "event"
    on_wire = True  # written to the JSONL event stream (``UtteranceAnalysed`` is not)

    def payload(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type_name,
            "speaker": self.speaker.value if self.speaker else None,
            "t": round(self.t, 3),
            "wall": round(self.wall, 4),
        }
        out.update(self.payload())
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted(Event):
    call_id: str
    source: str = ""
    type_name = "call_started"

    def payload(self) -> dict[str, Any]:
        return {"call_id": self.call_id, "source": self.source}


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(Event):
    call_id: str
    reason: EndReason = EndReason.NORMAL
    type_name = "call_ended"

    def payload(self) -> dict[str, Any]:
        return {"call_id": self.call_id, "reason": str(self.reason)}


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelEvent(Event):
    """Per-channel loudness and voice activity for one audio block."""

    dbfs: float
    voiced: bool
    type_name = "level"

    def payload(self) -> dict[str, Any]:
        return {"dbfs": round(self.dbfs, 1), "voiced": self.voiced}


@dataclass(frozen=True, slots=True, kw_only=True)
class PartialText(Event):
    text: str
    type_name = "partial"

    def payload(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass(frozen=True, slots=True, kw_only=True)
class WordTiming:
    word: str
    start: float
    end: float
    conf: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class FinalText(Event):
    """A finished utterance; ``start``/``end`` in call-audio seconds, words with timings if known."""

    text: str
    start: float | None = None
    end: float | None = None
    words: tuple[WordTiming, ...] = ()
    acoustic: AcousticFeatures | None = None
    utterance_id: str | None = None  # set by live ASR workers; a ``CorrectedText`` refers to it
    type_name = "final"

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end}
        if self.words:
            out["words"] = [
                {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3), "conf": round(w.conf, 3)}
                for w in self.words
            ]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectedText(Event):
    """The second pass (Whisper) re-decoded a finished utterance and its text should replace the
    first pass's in the record and the review (live guidance stays as it was raised)."""

    utterance_id: str
    text: str
    original: str
    start: float | None = None
    end: float | None = None
    # The banned phrases the corrected text shows (rules and learned layer, as on a final), or None
    # when it was not checked: the record marks live flags it no longer supports and adds the
    # ones only it shows (``store.corrections``).
    banned: tuple[Flag, ...] | None = None
    type_name = "corrected"

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"utterance_id": self.utterance_id, "text": self.text, "original": self.original,
                               "start": self.start, "end": self.end}
        if self.banned is not None:
            out["banned"] = [f.to_json() for f in self.banned]
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagRaised(Event):
    flag: Flag
    text: str = ""
    final: bool = False
    type_name = "flag"

    def payload(self) -> dict[str, Any]:
        out = self.flag.to_json()
        out["text"] = self.text
        out["final"] = self.final
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ConductEvent(Event):
    """A conduct finding or reminder (hold timers, speaking rate, interruptions, closing check)."""

    rule: str
    severity: Severity
    message: str
    value: float | None = None
    type_name = "conduct"

    def payload(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity.value, "message": self.message, "value": self.value}


@dataclass(frozen=True, slots=True, kw_only=True)
class EmotionEvent(Event):
    reading: EmotionReading
    text: str = ""
    type_name = "emotion"

    def payload(self) -> dict[str, Any]:
        out = self.reading.to_json()
        out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseEvent(Event):
    phase: Phase  # label of the utterance
    position: FormulaPosition
    type_name = "phase"

    def payload(self) -> dict[str, Any]:
        return {
            "phase": self.phase.value,
            "call_phase": self.position.current.value,
            "done": [p.value for p in self.position.done],
            "next": self.position.next.value if self.position.next else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class UtteranceAnalysed(Event):
    """The engine's record of one analysed final utterance, published after the events it fans out
    to (phase, emotion, flags, suggestions): what the store writes as the utterance's one row. Not
    written to the JSONL stream, whose per-aspect lines stay as they were."""

    phase: Phase
    call_phase: Phase
    emotion: EmotionReading | None = None
    type_name = "utterance"
    on_wire = False

    def payload(self) -> dict[str, Any]:
        return {"phase": self.phase.value, "call_phase": self.call_phase.value,
                "emotion": self.emotion.to_json() if self.emotion else None}


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestionEvent(Event):
    suggestions: tuple[Suggestion, ...]
    type_name = "suggestion"

    def payload(self) -> dict[str, Any]:
        return {"suggestions": [s.to_json() for s in self.suggestions]}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusEvent(Event):
    """Something the user should know about the session itself (device lost, queue overflow...)."""

    code: StatusCode
    message: str  # Simplified Chinese, shown to the user
    type_name = "status"

    def payload(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class PracticeTurn(StatusEvent):
    """Practice mode: the trainee's turn to answer (``message`` says what to answer). A command to
    the practice panel, not a status line; a ``StatusEvent`` subclass so the event stream and the
    panel's status routing see it as before."""

    code: StatusCode = StatusCode.PRACTICE_TURN


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldChanged(Event):
    """The customer was put on hold (``since`` = call time the wait began) or taken off it (None).

    Published from the analysis thread whenever the engine's hold state changes, so the panel's
    hold timer is driven by events instead of the GUI thread reading engine state (issue 11).
    """

    since: float | None
    type_name = "hold"

    def payload(self) -> dict[str, Any]:
        return {"since": None if self.since is None else round(self.since, 3)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestionUsed(Event):
    """A command from the panel: the agent copied or clicked suggestion ``phrase_id``.

    Sent into the session (``CallSession.send``) and applied on the analysis thread, so the
    suggester is never changed from the GUI thread (issue 11)."""

    phrase_id: str
    type_name = "suggestion_used"

    def payload(self) -> dict[str, Any]:
        return {"phrase_id": self.phrase_id}
