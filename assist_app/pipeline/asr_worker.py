"""One ASR worker thread per channel: feeds its recognizer, emits partial and final text.

Times: the recognizer reports word times from its own stream start; the worker knows the call
time of the first sample it fed (``offset``) and shifts them. A gap in the incoming audio (a
device that was away) ends the current utterance and starts a fresh recognizer at the new
offset, so word times stay true call times. A recognizer lent by a ``WarmRecognizerPool`` reports
times from its lease and goes back to the pool when the worker is done with it.

With the second pass on (``on_utterance``), the worker also keeps the audio it fed since the last
final (bounded to ``KEEP_S``) and hands each final utterance's samples, cut at its word times,
to the callback, which must not block (``SecondPass.submit``). Each final gets an
``utterance_id`` so a later correction can name it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognizerFactory, StreamingRecognizer, parse_final, parse_partial
from assist_app.audio.blocks import TARGET_RATE, AudioBlock
from assist_app.events import Event, FinalText, PartialText, Speaker, WordTiming
from assist_app.pipeline.acoustics import AcousticTracker
from assist_app.pipeline.second_pass import UtteranceAudio

log = logging.getLogger(__name__)

_GAP_S = 0.25  # more missing audio than this is a gap, not jitter
KEEP_S = 60.0  # audio kept for the second pass: longer "utterances" are cut to their last minute
PAD_S = 0.2  # around the word times: Vosk's first/last word boundaries are tight


class _AudioKeeper:
    """The samples fed since the last final, with the call time of the first one."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self._parts: list[npt.NDArray[np.int16]] = []
        self._n = 0

    def reset(self, t0: float) -> None:
        self.t0, self._parts, self._n = t0, [], 0

    def add(self, samples: npt.NDArray[np.int16]) -> None:
        self._parts.append(samples)
        self._n += len(samples)
        keep = int(KEEP_S * TARGET_RATE)
        while self._n - len(self._parts[0]) >= keep and len(self._parts) > 1:
            self._n -= len(self._parts[0])
            self.t0 += len(self._parts.pop(0)) / TARGET_RATE

    def cut(self, start: float, end: float) -> npt.NDArray[np.int16]:
        """Samples between two call times; everything before ``end`` is then forgotten."""
        audio = np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int16)
        i = max(0, int((start - self.t0) * TARGET_RATE))
        j = max(i, min(len(audio), int((end - self.t0) * TARGET_RATE)))
        clip = audio[i:j].copy()
        rest = audio[j:]
        self.t0 += j / TARGET_RATE
        self._parts, self._n = ([rest] if len(rest) else []), len(rest)
        return clip


def _release(rec: StreamingRecognizer) -> None:
    """Hand a pooled recognizer back (``ClockedRecognizer.release``); plain ones are just dropped."""
    release = getattr(rec, "release", None)
    if callable(release):
        try:
            release()
        except Exception:
            log.exception("returning a recognizer to its pool failed")


class AsrWorker:
    """Owns one recognizer and one thread; ``put`` blocks, ``finish`` flushes and joins."""

    def __init__(
        self,
        speaker: Speaker,
        factory: RecognizerFactory,
        emit: Callable[[Event], None],
        tracker: AcousticTracker,
        *,
        queue_blocks: int = 100,  # 5 s of 50 ms capture blocks
        on_utterance: Callable[[UtteranceAudio], object] | None = None,
    ) -> None:
        self.speaker = speaker
        self._factory = factory
        self._emit = emit
        self._tracker = tracker
        self._queue: queue.Queue[AudioBlock | None] = queue.Queue(maxsize=queue_blocks)
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"asr-{speaker.value}", daemon=True)
        self.error: BaseException | None = None
        self.finals = 0
        self.blocks_done = 0
        self.partials = 0
        self._on_utterance = on_utterance
        self._keeper = _AudioKeeper()
        self._id_prefix = f"{uuid.uuid4().hex[:8]}-{speaker.value}"

    def start(self) -> None:
        self._thread.start()

    def put(self, block: AudioBlock, stop: threading.Event) -> bool:
        """Queue a block, waiting while the worker is behind; False if stopped meanwhile."""
        while not stop.is_set() and self._thread.is_alive():
            try:
                self._queue.put(block, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def finish(self, *, abort: bool, stall_timeout: float = 10.0, max_wait: float = 600.0) -> None:
        """Send the sentinel (after the queued audio, or at once if ``abort``) and join.

        Without ``abort`` the queued audio is still recognised, which can take a while on a busy
        machine; so the wait is bounded by lack of progress (``stall_timeout`` without a block
        processed) and an overall cap, not by a fixed time.
        """
        if abort:
            self._abort.set()
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                if abort:
                    self._drain()
        deadline = time.monotonic() + max_wait
        last_count, last_change = self.blocks_done, time.monotonic()
        while self._thread.is_alive() and time.monotonic() < deadline:
            self._thread.join(0.2)
            if self.blocks_done != last_count:
                last_count, last_change = self.blocks_done, time.monotonic()
            elif time.monotonic() - last_change > stall_timeout:
                break
        if self._thread.is_alive():
            log.error("ASR worker %s did not stop (no progress for %.1fs)", self.speaker.value, stall_timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    # -- worker thread -----------------------------------------------------------------------

    def _main(self) -> None:
        rec: StreamingRecognizer | None = None
        offset = 0.0
        expected = 0.0
        last_partial = ""
        try:
            while True:
                block = self._queue.get()
                if block is None:
                    break
                if self._abort.is_set():
                    continue
                if rec is None or block.t > expected + _GAP_S:
                    if rec is not None:
                        self._final(rec.FinalResult(), offset, expected)
                        _release(rec)
                    rec = self._factory()
                    offset = block.t
                    last_partial = ""
                    self._keeper.reset(block.t)
                expected = block.end
                self.blocks_done += 1
                if self._on_utterance is not None:
                    self._keeper.add(block.samples)
                if rec.AcceptWaveform(block.samples.tobytes()):
                    self._final(rec.Result(), offset, block.end)
                    last_partial = ""
                else:
                    partial = parse_partial(rec.PartialResult())
                    if partial and partial != last_partial:
                        last_partial = partial
                        self.partials += 1
                        self._emit(PartialText(t=block.end, speaker=self.speaker, text=partial))
            if rec is not None:
                self._final(rec.FinalResult(), offset, expected)
        except BaseException as exc:  # report, never hang the session
            log.exception("ASR worker %s failed", self.speaker.value)
            self.error = exc
        finally:
            if rec is not None:
                _release(rec)

    def _final(self, raw: str, offset: float, t: float) -> None:
        res = parse_final(raw)
        if not res.text:
            return
        words = tuple(
            WordTiming(word=w.word, start=w.start + offset, end=w.end + offset, conf=w.conf)
            for w in res.words
        )
        start = words[0].start if words else None
        end = words[-1].end if words else None
        acoustic = self._tracker.features(self.speaker, start, end, res.text)
        self.finals += 1
        utterance_id = f"{self._id_prefix}-{self.finals}"
        self._emit(
            FinalText(
                t=max(t, end or 0.0),
                speaker=self.speaker,
                text=res.text,
                start=None if start is None else round(start, 3),
                end=None if end is None else round(end, 3),
                words=words,
                acoustic=acoustic,
                utterance_id=utterance_id,
            )
        )
        if self._on_utterance is not None:
            a = self._keeper.t0 if start is None else max(self._keeper.t0, start - PAD_S)
            b = t if end is None else min(t, end + PAD_S)
            clip = self._keeper.cut(a, b)
            if len(clip):
                self._on_utterance(UtteranceAudio(utterance_id, self.speaker, a, b, res.text, clip))
