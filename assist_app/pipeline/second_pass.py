"""The second pass ("精校转写"): finished utterances re-decoded by Whisper in the background.

During a live call Vosk streams partials and finals; the guidance (flags, emotion, phase) is
raised on those, at once. With the second pass on, each ASR worker also hands the audio of every
final utterance (kept in memory only, never written anywhere) to ``SecondPass.submit``. One
low-priority thread decodes them one at a time with an utterance decoder (``WhisperEngine``) and
publishes a ``CorrectedText`` event when the result differs from the first pass; the call
recorder stores the corrected text (keeping the first-pass text) and the QA score is recomputed
on the corrected transcript (``call_corrector.rescore``, where one call's wiring lives).

It never blocks capture or analysis: ``submit`` only appends to a queue bounded by seconds of
audio; what does not fit is counted and left uncorrected. If the pass falls behind, it keeps
going after the call has ended and says so with ``StatusEvent``s. ``publish`` is called from the
second-pass thread, so what it feeds (the recorder) must accept events from another thread.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognitionResult
from assist_app.audio.blocks import TARGET_RATE
from assist_app.events import CorrectedText, Event, Speaker, StatusCode, StatusEvent
from assist_app.textnorm import norm_str

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
