"""The second pass ("精校转写"): finished utterances re-decoded by Whisper in the background.

During a live call Vosk streams partials and finals; the guidance (flags, emotion, phase) is
raised on those, at once. With the second pass on, each ASR worker also hands the audio of every
final utterance (kept in memory only, never written anywhere) to ``SecondPass.submit``. One
low-priority thread decodes them one at a time with an utterance decoder (``WhisperEngine``) and
publishes a ``CorrectedText`` event when the result differs from the first pass; the call
recorder stores the corrected text (keeping the first-pass text) and the QA score is recomputed
on the corrected transcript (``rescore``).

It never blocks capture or analysis: ``submit`` only appends to a queue bounded by seconds of
audio; what does not fit is counted and left uncorrected. If the pass falls behind, it keeps
going after the call has ended and says so with ``StatusEvent``s. ``publish`` is called from the
second-pass thread, so what it feeds (the recorder) must accept events from another thread.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognitionResult
from assist_app.audio.blocks import TARGET_RATE
from assist_app.events import CorrectedText, Event, FinalText, Flag, Speaker, StatusCode, StatusEvent
from assist_app.textnorm import norm_str

if TYPE_CHECKING:
    from assist_app.store.corrections import ReviewLine

log = logging.getLogger(__name__)

PublishFn = Callable[[Event], None]


class UtteranceDecoder(Protocol):
    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult: ...


@dataclass(frozen=True, slots=True)
class UtteranceAudio:
    """One finished utterance's audio (16 kHz int16) and what the first pass made of it."""

    utterance_id: str
    speaker: Speaker
    start: float  # call time of the first sample
    end: float
    text: str
    samples: npt.NDArray[np.int16]

    @property
    def seconds(self) -> float:
        return len(self.samples) / TARGET_RATE


def better_text(first: str, second: str) -> str | None:
    """The second-pass text if it should replace the first, else None.

    Whisper base has the lower CER (DESIGN.md §4), so it wins, except when it returned nothing or
    far more than was said: on noise Whisper can invent a whole sentence.
    """
    a, b = norm_str(first), norm_str(second)
    if not b or a == b:
        return None
    if len(b) > 2 * len(a) + 8:
        return None
    return second


@dataclass
class SecondPassStats:
    """What the pass did (read after ``finish``)."""

    submitted: int = 0
    decoded: int = 0
    corrected: int = 0
    dropped: int = 0  # did not fit in the queue: stays as the first pass heard it
    after_call: int = 0  # decoded after the call had ended
    failed: int = 0
    decode_seconds: list[float] = field(default_factory=list)


class SecondPass:
    """One background thread re-decoding utterances; see the module docstring."""

    def __init__(
        self,
        decoder: UtteranceDecoder,
        publish: PublishFn,
        *,
        max_queued_s: float = 600.0,
        nice: int = 10,
        on_finished: Callable[[SecondPassStats], None] | None = None,
    ) -> None:
        self._decoder = decoder
        self._on_finished = on_finished
        self._publish = publish
        self.max_queued_s = max_queued_s
        self._nice = nice
        self._queue: collections.deque[UtteranceAudio] = collections.deque()
        self._queued_s = 0.0
        self._cond = threading.Condition()
        self._closing = False  # the call has ended: finish the queue, then stop
        self._abort = False
        self._call_over = False
        self._in_flight = 0  # being decoded right now (counts as still to do)
        self._last_t = 0.0
        self.stats = SecondPassStats()
        self._thread = threading.Thread(target=self._main, name="second-pass", daemon=True)
        self._done = threading.Event()

    def start(self) -> None:
        self._thread.start()

    # -- producer side (ASR worker threads): never blocks beyond a short lock --------------------

    def submit(self, utt: UtteranceAudio) -> bool:
        """Queue an utterance for re-decoding; False (and counted) if the queue is full."""
        with self._cond:
            if self._closing or self._queued_s + utt.seconds > self.max_queued_s:
                self.stats.dropped += 1
                return False
            self._queue.append(utt)
            self._queued_s += utt.seconds
            self.stats.submitted += 1
            self._last_t = max(self._last_t, utt.end)
            self._cond.notify()
        return True

    @property
    def pending(self) -> int:
        """Utterances not finished yet: queued plus the one being decoded."""
        with self._cond:
            return len(self._queue) + self._in_flight

    # -- end of call ------------------------------------------------------------------------

    def call_ended(self) -> None:
        """The call is over: say whether corrections are still coming; the thread finishes the
        queue and stops. Returns at once."""
        with self._cond:
            pending = len(self._queue) + self._in_flight
            self._call_over = True
            self._closing = True
            self._cond.notify()
        if pending:
            self._status(StatusCode.SECOND_PASS_BEHIND,
                         f"精校转写：通话已结束，还有 {pending} 句在后台校对，完成后更新记录和评分")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the queue is done (after ``call_ended``); True if it is."""
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        """The thread has finished (the call's queue is done, or the pass was stopped)."""
        return self._done.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        """Abandon what is queued (app closing) and join the thread."""
        with self._cond:
            self._abort = True
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the thread -------------------------------------------------------------------------

    def _lower_priority(self) -> None:
        # Linux: a thread has its own nice value, so this only slows the second pass when the
        # CPU is contended; capture and analysis keep theirs. Elsewhere it is left as is.
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
        except (AttributeError, OSError, PermissionError):
            log.debug("second pass: could not lower thread priority")

    def _main(self) -> None:
        self._lower_priority()
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    if self._abort or (self._closing and not self._queue):
                        break
                    utt = self._queue.popleft()
                    self._queued_s -= utt.seconds
                    self._in_flight = 1
                try:
                    self._decode_one(utt)
                finally:
                    with self._cond:
                        self._in_flight = 0
        finally:
            finished = not self._abort and self._call_over
            if finished and self.stats.after_call:
                s = self.stats
                self._status(StatusCode.SECOND_PASS_DONE, f"精校转写完成：共校对 {s.decoded} 句，更正 {s.corrected} 句")
            if finished and self._on_finished is not None:
                try:
                    self._on_finished(self.stats)
                except Exception:
                    log.exception("second pass: on_finished failed")
            self._done.set()

    def _decode_one(self, utt: UtteranceAudio) -> None:
        t0 = time.perf_counter()
        try:
            result = self._decoder.decode(utt.samples)
        except Exception:
            log.exception("second pass failed on %s", utt.utterance_id)
            self.stats.failed += 1
            return
        self.stats.decode_seconds.append(time.perf_counter() - t0)
        self.stats.decoded += 1
        self.stats.after_call += int(self._call_over)  # finished after the call had ended
        text = better_text(utt.text, result.text)
        if text is None:
            return
        self.stats.corrected += 1
        self._publish(
            CorrectedText(
                t=utt.end,
                speaker=utt.speaker,
                utterance_id=utt.utterance_id,
                text=text,
                original=utt.text,
                start=utt.start,
                end=utt.end,
            )
        )

    def _status(self, code: StatusCode, message: str) -> None:
        self._publish(StatusEvent(t=self._last_t, code=code, message=message))


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
