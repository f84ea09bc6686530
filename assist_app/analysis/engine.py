"""Events in, guidance events out: the analysis engine a ``CallSession`` runs.

- ``PartialText`` from the agent: banned phrases are checked on every growing hypothesis and each
  hit is flagged once per utterance, the moment the words appear (sub-second, before the final).
  The learned layer scores a partial whenever it has grown by ``LEARNED_STEP_CHARS`` characters
  since its last look (about every 0.4 s of speech at 180 字/分) and holds at least
  ``LEARNED_MIN_CHARS``, with a stricter threshold than on finals. A partial hit is raised only when
  two looks in a row agree on its category, and at most once per utterance (a half-said sentence
  can look like anything for a moment); the final always gets a full look.
- ``FinalText``: the full analysis (phase, emotion, flags not yet raised, conduct, suggestions).
- ``LevelEvent``: voice on either channel; any event advances call-audio time, so hold and
  silent-line reminders fire on time while the line is quiet (level events keep coming).
- ``finish``: end-of-call conduct checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypedDict

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.banned import PartialTracker
from assist_app.analysis.suggest import PhraseSettings
from assist_app.events import (
    ConductEvent,
    EmotionEvent,
    Event,
    FinalText,
    Flag,
    FlagKind,
    FlagRaised,
    FormulaPosition,
    LevelEvent,
    PartialText,
    PhaseEvent,
    Speaker,
    SuggestionEvent,
    Utterance,
    UtteranceAnalysed,
    UtteranceAnalysis,
)
from assist_app.library.model import ScriptLibrary
from assist_app.textnorm import NormText, normalize

__all__ = ["EngineFactory", "GuidanceEngine", "PhraseSettings"]

class _At(TypedDict):
    """Where a derived event belongs: its final's time, speaker, utterance index and turn."""

    t: float
    speaker: Speaker
    utterance: int | None
    turn: int | None


LEARNED_STEP_CHARS = 2
LEARNED_MIN_CHARS = 6


class GuidanceEngine:
    """One call's analysis engine (implements the session's ``Analyzer`` protocol)."""

    def __init__(
        self,
        library: ScriptLibrary | AnalysisKit,
        settings: PhraseSettings | None = None,
        call_id: str = "call",
    ) -> None:
        self.call_id = call_id
        self.analyzer = CallAnalyzer(library, settings, call_id)
        self._partials = {sp: PartialTracker(self.analyzer.kit.banned) for sp in Speaker}
        self._learned_seen_len = 0  # length of the agent partial the learned layer last scored
        self._learned_pending = ""  # category the last look at a partial saw ("" none)
        self._learned_raised = False  # a learned flag was raised on this utterance's partials
        self._last_suggestions: tuple[str, ...] = ()
        self.conduct_events: list[ConductEvent] = []
        self.flag_events: list[FlagRaised] = []
        self.duration = 0.0
        self._finished = False

    # -- state the UI and the store read ------------------------------------------------------

    @property
    def analyses(self) -> list[UtteranceAnalysis]:
        return self.analyzer.analyses

    @property
    def position(self) -> FormulaPosition:
        return self.analyzer.tracker.position(customer_upset=self.analyzer.customer_upset)

    @property
    def on_hold_since(self) -> float | None:
        return self.analyzer.conduct.on_hold_since

    def mark_used(self, phrase_id: str) -> None:
        """The agent used a suggested phrase (clicked or copied it)."""
        self.analyzer.suggester.mark_used(phrase_id)

    # -- Analyzer protocol -------------------------------------------------------------------

    def handle(self, event: Event) -> list[Event]:
        self.duration = max(self.duration, event.t)
        out: list[Event] = []
        if isinstance(event, PartialText) and event.speaker is Speaker.AGENT:
            tracker = self._partials[Speaker.AGENT]
            norm = normalize(event.text)
            flags = [self.analyzer.fill(f) for f in tracker.update(norm)]
            if (
                self.analyzer.kit.learned is not None
                and not self._learned_raised
                and len(event.text) >= max(LEARNED_MIN_CHARS, self._learned_seen_len + LEARNED_STEP_CHARS)
            ):
                self._learned_seen_len = len(event.text)
                flags += self._learned_on_partial(norm, tracker.last_flags)
            for flag in flags:
                out.append(FlagRaised(t=event.t, speaker=Speaker.AGENT, flag=flag, text=event.text, final=False))
        elif isinstance(event, FinalText) and event.speaker is not None and event.text.strip():
            out.extend(self._on_final(event))
        elif isinstance(event, LevelEvent) and event.voiced:
            self.analyzer.conduct.on_voice(event.t)
        self._record(out)
        out.extend(self.tick(event.t))  # records its own reminders
        return out

    def tick(self, t: float) -> list[Event]:
        self.duration = max(self.duration, t)
        out: list[Event] = [
            ConductEvent(t=t, speaker=Speaker.AGENT, rule=r.rule, severity=r.severity, message=r.message, value=r.value)
            for r in self.analyzer.conduct.tick(t)
        ]
        self._record(out)
        return out

    def finish(self, t: float) -> list[Event]:
        if self._finished:
            return []
        self._finished = True
        self.duration = max(self.duration, t)
        out: list[Event] = [
            ConductEvent(t=t, speaker=Speaker.AGENT, rule=r.rule, severity=r.severity, message=r.message, value=r.value)
            for r in self.analyzer.conduct.finish()
        ]
        self._record(out)
        return out

    def analyze_utterance(self, utt: Utterance) -> UtteranceAnalysis:
        """Text-only path used by ``assist-app analyze``: one final utterance, no events."""
        if utt.end is not None:
            self.duration = max(self.duration, utt.end)
        return self.analyzer.analyze(utt)

    # -- internals ---------------------------------------------------------------------------

    def _on_final(self, event: FinalText) -> list[Event]:
        """The events one final fans out to, each carrying its ``utterance``/``turn``, then the
        ``UtteranceAnalysed`` record of the whole result (what the store writes as one row)."""
        speaker = event.speaker
        assert speaker is not None
        utt = Utterance(speaker, event.text, self.call_id, 0, event.start, event.end)
        result = self.analyzer.analyze(utt, event.acoustic)
        at = _At(t=event.t, speaker=speaker, utterance=event.utterance, turn=event.turn)
        out: list[Event] = []
        banned = [f for f in result.flags if f.kind is FlagKind.BANNED_PHRASE]
        if speaker is Speaker.AGENT:
            if self._learned_raised:  # said once for this utterance already (maybe another category)
                banned = [f for f in banned if not f.rule.endswith(".learned")]
            self._learned_seen_len = 0
            self._learned_pending = ""
            self._learned_raised = False
        for flag in self._partials[speaker].finish(banned):
            out.append(FlagRaised(**at, flag=flag, text=event.text, final=True))
        for flag in result.flags:
            if flag.kind is FlagKind.CONDUCT:
                out.append(ConductEvent(**at, rule=flag.rule, severity=flag.severity, message=flag.message))
        out.append(PhaseEvent(**at, phase=result.phase, position=result.position))
        if result.emotion is not None:
            out.append(EmotionEvent(**at, reading=result.emotion, text=event.text))
        key = tuple(s.text for s in result.suggestions)
        if result.suggestions and key != self._last_suggestions:
            self._last_suggestions = key
            out.append(SuggestionEvent(**at, suggestions=result.suggestions))
        out.append(UtteranceAnalysed(**at, phase=result.phase, call_phase=result.position.current,
                                     emotion=result.emotion))
        return out

    def _learned_on_partial(self, norm: NormText, rule_flags: list[Flag]) -> list[Flag]:
        found = self.analyzer.learned_flags(norm, rule_flags, partial=True)
        category = found[0].rule if found else ""
        stable = bool(category) and category == self._learned_pending
        self._learned_pending = category
        if not stable:
            return []
        self._learned_raised = True
        return self._partials[Speaker.AGENT].offer(found)

    def _record(self, events: list[Event]) -> None:
        for e in events:
            if isinstance(e, FlagRaised):
                self.flag_events.append(e)
            elif isinstance(e, ConductEvent):
                self.conduct_events.append(e)


@dataclass(frozen=True, slots=True)
class EngineFactory:
    """How a call's ``GuidanceEngine`` is built: the library (or a kit shared by many calls, as
    ``analyze`` does) and the agent's phrase settings. ``factory("call-1")`` builds one engine;
    ``factory.for_call(id)`` is the no-argument builder lazy holders and the second pass take."""

    library: ScriptLibrary | AnalysisKit
    settings: PhraseSettings = field(default_factory=PhraseSettings)

    def __call__(self, call_id: str = "call") -> GuidanceEngine:
        return GuidanceEngine(self.library, settings=self.settings, call_id=call_id)

    def for_call(self, call_id: str) -> Callable[[], GuidanceEngine]:
        return partial(self, call_id)
