"""The second pass wired into one call: ``CallCorrector`` (the agent window's and ``listen
--second-pass``'s), the ``CorrectedSource`` that wraps a live source with it, and ``rescore``,
which scores the call again on the corrected transcript (``corrected_finals``).

Split out of ``second_pass.py`` (issue 11), which keeps the decoding thread itself (``SecondPass``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from assist_app.events import CorrectedText, Event, FinalText, Flag, Speaker, StatusEvent
from assist_app.pipeline.second_pass import PublishFn, SecondPass, SecondPassStats, UtteranceAudio, UtteranceDecoder

if TYPE_CHECKING:
    from assist_app.store.corrections import ReviewLine

log = logging.getLogger(__name__)


def corrected_finals(events: Iterable[Event]) -> list[Event]:
    """The call's transcript-level events with every corrected final's text replaced.

    ``events`` are what a call published (in order); corrections may come after the final they
    correct (even after the call ended). Finals keep their times; guidance events are dropped,
    since ``rescore`` recomputes them.
    """
    evs = list(events)
    fixes = {e.utterance_id: e.text for e in evs if isinstance(e, CorrectedText)}
    out: list[Event] = []
    for e in evs:
        if isinstance(e, FinalText):
            fix = fixes.get(e.utterance_id or "")
            if fix is not None:
                e = FinalText(t=e.t, speaker=e.speaker, wall=e.wall, text=fix, start=e.start, end=e.end,
                              words=(), acoustic=e.acoustic, utterance_id=e.utterance_id)
            out.append(e)
        elif e.type_name == "level":
            out.append(e)
    return out


def rescore(engine: Any, events: Sequence[Event]) -> Any:
    """Run a fresh guidance engine over the corrected transcript and score it.

    ``engine`` is a new ``GuidanceEngine`` (the caller builds it with the call's settings); the
    result is ``analysis.scoring.score_call``'s ``QAScore``. Level events keep the conduct timers
    (talk-over, silence) as they were live.
    """
    from assist_app.analysis.scoring import score_call

    last = 0.0
    for e in corrected_finals(events):
        engine.handle(e)
        last = max(last, e.t)
    engine.finish(last)
    return score_call(engine)


class CallCorrector:
    """The second pass wired into one live call (what the agent window uses).

    ``wrap_emit`` wraps the live source's ``emit``: it keeps the call's levels and finals (for
    ``rescore``) and passes everything on. Corrections go straight to ``sinks`` (the recorder),
    not through the session, because they may come after the call has ended; statuses go to
    ``emit`` while the call runs (the panel shows them) and to ``sinks`` after. When the last
    utterance is done, the call is scored again on the corrected text (``make_engine`` builds a
    fresh guidance engine) and ``on_rescored(score)`` is called, from the second-pass thread.

    With ``make_engine`` each correction of an agent utterance also carries the banned phrases its
    corrected text shows (``CorrectedText.banned``), so the record and the review can mark live
    flags it no longer supports and add the ones only it shows (``store.corrections``). It is
    also the review's ``ReviewFeed``: ``lines``/``corrections``/``version``/``finished`` are safe
    to read from the GUI thread while corrections still come in after hang-up.
    """

    def __init__(
        self,
        decoder: UtteranceDecoder,
        sinks: Sequence[PublishFn],
        *,
        make_engine: Callable[[], Any] | None = None,
        on_rescored: Callable[[Any], None] | None = None,
        max_queued_s: float = 600.0,
    ) -> None:
        self._sinks = list(sinks)
        self._make_engine = make_engine
        self._on_rescored = on_rescored
        self._log: list[Event] = []
        self._log_lock = threading.Lock()
        self._emit: PublishFn | None = None
        self.second = SecondPass(decoder, self._publish, max_queued_s=max_queued_s, on_finished=self._finished)
        self.score: Any = None
        self._checker: Any = None  # a CallAnalyzer for ``banned_on`` (built on first use)
        self._version = 0

    def wrap_emit(self, emit: PublishFn) -> PublishFn:
        self._emit = emit

        def wrapped(event: Event) -> None:
            if isinstance(event, FinalText) or event.type_name == "level":
                with self._log_lock:
                    self._log.append(event)
                    self._version += int(isinstance(event, FinalText))
            emit(event)

        return wrapped

    def start(self) -> None:
        self.second.start()

    def submit(self, utt: UtteranceAudio) -> bool:
        return self.second.submit(utt)

    def call_ended(self) -> None:
        """Called by the source when its audio has ended (the session is still open)."""
        self.second.call_ended()
        self._emit = None  # from here on the session may be gone

    # -- the review's feed (``store.corrections.ReviewFeed``) ----------------------------------

    @property
    def version(self) -> int:
        return self._version

    @property
    def finished(self) -> bool:
        return self.second.done

    def corrections(self) -> list[CorrectedText]:
        with self._log_lock:
            return [e for e in self._log if isinstance(e, CorrectedText)]

    def lines(self) -> list[ReviewLine]:
        """The call's transcript so far, corrected lines replaced (first-pass text kept)."""
        from assist_app.store.corrections import ReviewLine  # the store package is heavy for the live path

        with self._log_lock:
            events = list(self._log)
        fixes = {e.utterance_id: e for e in events if isinstance(e, CorrectedText)}
        out = []
        for e in events:
            if not isinstance(e, FinalText) or not e.text.strip() or e.speaker is None:
                continue
            fix = fixes.get(e.utterance_id or "")
            t = e.start if e.start is not None else e.t
            if fix is None:
                out.append(ReviewLine(e.speaker.value, t, e.text))
            else:
                out.append(ReviewLine(e.speaker.value, t, fix.text, corrected=True, first_pass=e.text))
        return out

    def _banned_on(self, event: CorrectedText) -> tuple[Flag, ...] | None:
        if self._make_engine is None:
            return None
        if event.speaker is not Speaker.AGENT:
            return ()  # banned phrases are the agent's
        try:
            if self._checker is None:
                self._checker = self._make_engine().analyzer
            return tuple(self._checker.banned_on(event.text))
        except Exception:
            log.exception("second pass: checking the corrected text for banned phrases failed")
            return None

    def _publish(self, event: Event) -> None:
        if isinstance(event, CorrectedText):
            event = dataclasses.replace(event, banned=self._banned_on(event))
            with self._log_lock:
                self._log.append(event)
                self._version += 1
        emit = self._emit
        if isinstance(event, StatusEvent) and emit is not None:
            emit(event)  # the session publishes it to the panel and the sinks
            return
        for sink in self._sinks:
            sink(event)

    def _finished(self, stats: SecondPassStats) -> None:
        with self._log_lock:
            self._version += 1  # the review says the pass is complete
        if not stats.corrected or self._make_engine is None:
            return
        with self._log_lock:
            events = list(self._log)
        self.score = rescore(self._make_engine(), events)
        if self._on_rescored is not None:
            self._on_rescored(self.score)


class CorrectedSource:
    """A live source with the second pass wired in: its finals are logged for the corrector (the
    source's ``on_utterance`` must be ``corrector.submit``) and, when its audio ends, the corrector
    is told the call is over (it finishes in the background). ``listen --second-pass`` uses it."""

    def __init__(self, inner: Any, corrector: CallCorrector) -> None:
        self.inner = inner
        self.corrector = corrector
        self.name = inner.name

    @property
    def error(self) -> Any:
        return getattr(self.inner, "error", None)

    def run(self, emit: PublishFn, stop: threading.Event) -> None:
        try:
            self.inner.run(self.corrector.wrap_emit(emit), stop)
        finally:
            self.corrector.call_ended()
