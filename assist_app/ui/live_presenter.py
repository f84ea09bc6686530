"""The live page during a call: engine events in, widgets updated (GUI thread, issue 11).

``LivePresenter`` owns what one call has shown so far — the masked transcript, the alerts (kept
here for the review, not in the alert widget), the customer's emotion readings, the call clock
and the hold timer — and nothing about modes: the demo and practice controllers listen to the
same bridge signals for what only they show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assist_app.analysis.suggest import PhraseSettings
from assist_app.events import (
    RATE_RULES,
    ConductEvent,
    ConductRule,
    EmotionEvent,
    EmotionReading,
    FinalText,
    FlagRaised,
    HoldChanged,
    LevelEvent,
    PartialText,
    Phase,
    PhaseEvent,
    PracticeTurn,
    Speaker,
    StatusEvent,
    Suggestion,
    SuggestionEvent,
    chars_per_minute,
)
from assist_app.library.model import ScriptLibrary
from assist_app.store.privacy import LiveMasker
from assist_app.ui.alert_log import AlertLog
from assist_app.ui.bridge import SessionBridge
from assist_app.ui.main_window import MainWindow
from assist_app.ui.settings import AppSettings

HOLD_LIMIT_S = 30.0


def speaking_rate(ev: FinalText) -> float | None:
    """The agent's speaking rate (字/分) for the rate meter, or None when the utterance is too short
    to say: the acoustic measure when there is one, else characters over the utterance's length."""
    rate = ev.acoustic.rate_cpm if ev.acoustic and ev.acoustic.rate_cpm else None
    if rate is None and len(ev.text) >= 12:
        rate = chars_per_minute(len(ev.text), ev.start, ev.end)
    return rate if len(ev.text) >= 8 else None


class LivePresenter:
    """Shows one call's events on the live page (see the module docstring)."""

    def __init__(self, window: MainWindow, *, settings: Callable[[], AppSettings],
                 library: Callable[[], ScriptLibrary | None]) -> None:
        self.window = window
        self._settings = settings
        self._library = library
        self.alerts = AlertLog()
        self.emotions: list[tuple[float, EmotionReading]] = []
        self.finals = 0
        self.call_t = 0.0
        self.hold_since: float | None = None
        # Everything the live page shows goes through it when 隐去号码 is on (issue 13).
        self._shown = LiveMasker(settings().mask_numbers)

    def connect(self, bridge: SessionBridge) -> None:
        bridge.level_changed.connect(self.on_level)
        bridge.partial_text.connect(self.on_partial)
        bridge.final_text.connect(self.on_final)
        bridge.flag_raised.connect(self.on_flag)
        bridge.conduct_noted.connect(self.on_conduct)
        bridge.emotion_changed.connect(self.on_emotion)
        bridge.phase_changed.connect(self.on_phase)
        bridge.suggestions_ready.connect(self.on_suggestions)
        bridge.status_changed.connect(self.on_status)
        bridge.hold_changed.connect(self.on_hold)

    def reset_call(self) -> None:
        """A new call: nothing shown yet."""
        self.alerts.clear()
        self.emotions = []
        self.finals = 0
        self.call_t = 0.0
        self.hold_since = None
        self._shown = LiveMasker(self._settings().mask_numbers)

    def clear_views(self) -> None:
        """Empty the widgets this presenter fills (the log of the last call stays for its review)."""
        w = self.window
        w.transcript.clear_entries()
        w.alert.reset()
        w.suggestions.reset()
        w.stepper.reset()
        w.emotion.reset()
        w.conduct.reset()
        w.call_bar.set_hold(None)
        w.call_bar.set_call_time(0)
        w.call_bar.set_level("agent", -90.0)
        w.call_bar.set_level("customer", -90.0)

    def phrase_filler(self) -> Callable[[str], str]:
        s = self._settings()
        return PhraseSettings(company=s.company, agent_id=s.agent_id, agent_name=s.agent_name).fill

    # -- clock and hold ------------------------------------------------------------------------

    def _tick_time(self, t: float) -> None:
        if t > self.call_t:
            self.call_t = t
            self.window.call_bar.set_call_time(t)
            self._show_hold()

    def on_hold(self, ev: HoldChanged) -> None:
        self.hold_since = ev.since
        self._show_hold()

    def _show_hold(self) -> None:
        since = self.hold_since
        if since is None:
            self.window.call_bar.set_hold(None)
        else:
            self.window.call_bar.set_hold(max(0.0, self.call_t - since), HOLD_LIMIT_S)

    def call_over(self) -> None:
        self.hold_since = None
        self.window.call_bar.set_hold(None)

    # -- transcript ----------------------------------------------------------------------------

    def on_level(self, ev: LevelEvent) -> None:
        if ev.speaker is not None:
            self.window.call_bar.set_level(ev.speaker.value, ev.dbfs)
        self._tick_time(ev.t)

    def on_partial(self, ev: PartialText) -> None:
        if ev.speaker is not None:
            who = ev.speaker.value
            shown, corrections = self._shown.partial(who, ev.text)
            self.window.transcript.show_partial(who, shown, ev.t)
            self._correct_finals(who, corrections)

    def on_final(self, ev: FinalText) -> None:
        if ev.speaker is None:
            return
        self._tick_time(ev.t)
        start = ev.start if ev.start is not None else ev.t
        who = ev.speaker.value
        shown, corrections = self._shown.final(who, ev.text)
        self.window.transcript.show_final(who, shown, start)
        self._correct_finals(who, corrections, this_one_shown=True)
        self.finals += 1
        if ev.speaker is Speaker.AGENT:
            rate = speaking_rate(ev)
            if rate is not None:
                self.window.conduct.set_rate(rate)

    def _correct_finals(self, who: str, corrections: list[tuple[int, str]], this_one_shown: bool = False) -> None:
        """Re-mask earlier finals of ``who`` that the newest text turned out to continue a number of
        (``back`` 1 = the final before the newest utterance)."""
        for back, corrected in corrections:
            self.window.transcript.correct_final(who, back - (0 if this_one_shown else 1), corrected)

    # -- guidance ------------------------------------------------------------------------------

    def _category_name(self, rule: str) -> str:
        lib = self._library()
        if lib is None:
            return ""
        try:
            return str(lib.banned.category_name(rule.split(".")[0]))
        except AttributeError:
            return ""

    def on_flag(self, ev: FlagRaised) -> None:
        f = ev.flag  # the engine has filled the replacement's placeholders from the same settings
        text = ev.text
        if ev.speaker is not None and text:
            # Masking keeps lengths, so the span still points at the same characters of what is shown.
            text = self._shown.shown(ev.speaker.value, text)
            a, b = f.span
            if text != ev.text and 0 <= a < b <= len(text) and text[a:b] != ev.text[a:b]:
                f = replace(f, matched=text[a:b])  # the flagged words themselves held digits
        new = self.alerts.add_flag(f, ev.t, text)
        self.window.alert.show_flag(f, ev.t, self._category_name(f.rule), new=new)
        if ev.speaker is not None and f.span[1] > f.span[0]:
            self.window.transcript.highlight(ev.speaker.value, text, f.span)

    def on_conduct(self, ev: ConductEvent) -> None:
        if ev.rule == ConductRule.INTERRUPT:
            self.window.conduct.add_interruption()
        if ev.rule in RATE_RULES:
            return  # the rate meter already shows it; no banner for a rate wobble
        self.window.conduct.set_note(ev.message)
        self.window.alert.show_notice(ev.message, ev.severity, ev.t)
        self.alerts.add_conduct(ev)

    def on_emotion(self, ev: EmotionEvent) -> None:
        if ev.speaker is not None and ev.speaker is not Speaker.CUSTOMER:
            return
        self.emotions.append((ev.t, ev.reading))
        self.window.emotion.show_reading(ev.reading, ev.t)

    def on_phase(self, ev: PhaseEvent) -> None:
        self.window.stepper.set_position(ev.position)

    def on_suggestions(self, ev: SuggestionEvent) -> None:
        self.window.suggestions.show_suggestions(ev.suggestions)

    def on_status(self, ev: StatusEvent) -> None:
        if not isinstance(ev, PracticeTurn):  # the practice controller's cue, not a status line
            self.window.call_bar.set_status(ev.message)

    def suggest_greeting(self) -> None:
        """Before anyone has spoken the engine has nothing to suggest; the opening is always the
        greeting (首问语), so the library's first greeting phrase is offered."""
        lib = self._library()
        step = next((st for st in lib.formula.steps if st.id == Phase.GREETING.value), None) if lib else None
        if step is None or not step.phrases:
            return
        fill = self.phrase_filler()
        self.window.suggestions.show_suggestions(
            (Suggestion(step=Phase.GREETING, text=fill(step.phrases[0].text), reason="通话开始：先问候客户"),))
