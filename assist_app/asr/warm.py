"""Warm recognizers kept across calls, recreated after a budget of audio (issue 15).

Why: with a model whose graph is composed on the fly (``HCLr.fst`` + ``Gr.fst``, the layout of
small-cn and of the Korean test model), every ``KaldiRecognizer`` expands its own decoding graph
lazily. A fresh one costs about three times the CPU of a used one for its first ~10 s of audio,
which made the first flags of every call the slowest. So a ``WarmRecognizerPool`` creates the
channels' recognizers once, feeds each a short bundled clip, and lends them to calls.

Two costs of keeping them: Vosk's word times run from the recognizer's creation, not from the
lease (``ClockedRecognizer`` counts the samples fed and shifts the times back), and the expanded
graph and decoder buffers only grow. A recognizer that has heard ``recycle_after_s`` of audio is
dropped when its call ends and a new one is built and warmed in the background, after which
``malloc_trim(0)`` hands the freed heap back to the system (glibc keeps it otherwise: ~100 MB per
recognizer stayed in the process in measurements).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from assist_app.asr.engine import SAMPLE_RATE, StreamingRecognizer
from assist_app.procutil import malloc_trim

log = logging.getLogger(__name__)

RECYCLE_AFTER_S = 10 * 60.0  # audio a recognizer hears before it is replaced between calls (soak: BENCHMARKS.md)
_WARMUP_FEED_BYTES = 3200  # 100 ms blocks, like a live call


def warmup_clip_path() -> Path:
    from assist_app.resources import resources_dir

    return resources_dir() / "asr" / "warmup.wav"


def load_warmup_clip(path: Path | None = None) -> bytes:
    """The bundled warm-up clip as 16 kHz mono 16-bit PCM bytes (what recognizers are fed)."""
    import numpy as np
    import soundfile as sf

    data, rate = sf.read(path or warmup_clip_path(), dtype="int16", always_2d=True)
    if rate != SAMPLE_RATE:
        raise ValueError(f"warm-up clip must be {SAMPLE_RATE} Hz, not {rate}")
    return np.ascontiguousarray(data[:, 0]).tobytes()


class ClockedRecognizer:
    """A recognizer lent by a pool: word times count from the lease, not from its creation.

    Vosk's clock runs over everything a recognizer was ever fed (warm-up and earlier calls,
    across ``FinalResult``); the samples fed are counted here and the lease's start subtracted.
    """

    def __init__(self, raw: StreamingRecognizer, pool: WarmRecognizerPool | None = None) -> None:
        self.raw = raw
        self._pool = pool
        self.samples_fed = 0  # since creation: Vosk's clock
        self._lease_start = 0
        self._dirty = False  # audio fed since the last FinalResult
        self.leases = 0

    @property
    def audio_s(self) -> float:
        """Seconds of audio this recognizer has heard since it was created."""
        return self.samples_fed / SAMPLE_RATE

    def begin_lease(self) -> None:
        if self._dirty:  # a previous user did not finish: close its utterance, drop the words
            self.raw.FinalResult()
            self._dirty = False
        self._lease_start = self.samples_fed
        self.leases += 1

    def AcceptWaveform(self, data: bytes) -> bool:
        self.samples_fed += len(data) // 2
        self._dirty = True
        return self.raw.AcceptWaveform(data)

    def Result(self) -> str:
        return self._shift(self.raw.Result())

    def PartialResult(self) -> str:
        return self.raw.PartialResult()

    def FinalResult(self) -> str:
        self._dirty = False
        return self._shift(self.raw.FinalResult())

    def release(self) -> None:
        """Give the recognizer back to its pool (the ASR worker calls this when done)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.give_back(self)

    def _shift(self, raw: str) -> str:
        base = self._lease_start / SAMPLE_RATE
        if not base or not raw:
            return raw
        data = json.loads(raw)
        for w in data.get("result") or []:
            w["start"] = round(float(w.get("start", 0.0)) - base, 6)
            w["end"] = round(float(w.get("end", 0.0)) - base, 6)
        return json.dumps(data, ensure_ascii=False)


class WarmRecognizerPool:
    """Up to ``size`` warm recognizers for one model, lent to calls and taken back.

    ``acquire`` is a ``RecognizerFactory``: it lends an idle warm recognizer, or builds a cold one
    when all are out (counted in ``cold_acquires``). Recognizers come back through
    ``ClockedRecognizer.release``; one past its audio budget is dropped and replaced in the
    background. ``new_raw`` makes a recognizer (``VoskEngine.new_recognizer``).
    """

    def __init__(
        self,
        new_raw: Callable[[], StreamingRecognizer],
        *,
        size: int = 2,
        recycle_after_s: float = RECYCLE_AFTER_S,
        warmup_pcm: bytes = b"",
        trim: Callable[[], bool] = malloc_trim,
    ) -> None:
        self._new_raw = new_raw
        self.size = size
        self.recycle_after_s = recycle_after_s
        self._warmup = warmup_pcm
        self._trim = trim
        self._lock = threading.Lock()
        self._idle: list[ClockedRecognizer] = []
        self._builders: list[threading.Thread] = []
        self._closed = False
        self.created = 0
        self.recycled = 0
        self.cold_acquires = 0

    # -- lending -----------------------------------------------------------------------------

    def fill(self) -> None:
        """Build and warm recognizers until ``size`` are idle (call on a background thread)."""
        while True:
            with self._lock:
                if self._closed or len(self._idle) >= self.size:
                    return
            rec = self._build(warm=True)
            with self._lock:
                if self._closed:
                    return
                self._idle.append(rec)

    def acquire(self) -> ClockedRecognizer:
        with self._lock:
            rec = self._idle.pop() if self._idle else None
            if rec is None:
                self.cold_acquires += 1
        if rec is None:
            log.info("no warm recognizer idle: building a cold one")
            rec = self._build(warm=False)
        rec._pool = self
        rec.begin_lease()
        return rec

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def give_back(self, rec: ClockedRecognizer) -> None:
        call_over = False
        with self._lock:
            keep = not self._closed and rec.audio_s < self.recycle_after_s and len(self._idle) < self.size
            if keep:
                self._idle.append(rec)
                call_over = len(self._idle) == self.size
        if keep:
            if call_over:  # every recognizer is back: the call's buffers are free, hand them back
                self._trim()
            return
        with self._lock:
            recycle = not self._closed and rec.audio_s >= self.recycle_after_s
            if recycle:
                self.recycled += 1
        log.info("dropping a recognizer after %.0f s of audio", rec.audio_s)
        rec.raw = _Dropped()  # the only reference to the Kaldi object: freed here
        del rec
        if recycle:
            self._start_builder()
        else:
            self._trim()

    def wait_idle(self, timeout: float) -> bool:
        """Wait for background rebuilds (tests, benchmarks); True when none is running."""
        with self._lock:
            builders = list(self._builders)
        for t in builders:
            t.join(timeout)
        return not any(t.is_alive() for t in builders)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()
            builders = list(self._builders)
        for t in builders:
            t.join(30)
        self._trim()

    # -- building ----------------------------------------------------------------------------

    def _start_builder(self) -> None:
        def rebuild() -> None:
            self._trim()  # the dropped recognizer's heap first, before the new one grows
            try:
                self.fill()
            except Exception:
                log.exception("rebuilding a warm recognizer failed (the next call builds one)")

        t = threading.Thread(target=rebuild, name="asr-warm-rebuild", daemon=True)
        with self._lock:
            self._builders = [b for b in self._builders if b.is_alive()] + [t]
        t.start()

    def _build(self, *, warm: bool) -> ClockedRecognizer:
        rec = ClockedRecognizer(self._new_raw())
        with self._lock:
            self.created += 1
        if warm and self._warmup:
            pcm = self._warmup
            for i in range(0, len(pcm), _WARMUP_FEED_BYTES):
                rec.AcceptWaveform(pcm[i : i + _WARMUP_FEED_BYTES])
            rec.FinalResult()
        return rec


class _Dropped:
    """Stands in for a recognizer that was freed; any use is a bug."""

    def AcceptWaveform(self, data: bytes) -> bool:
        raise RuntimeError("recognizer already dropped")

    def Result(self) -> str:
        raise RuntimeError("recognizer already dropped")

    def PartialResult(self) -> str:
        raise RuntimeError("recognizer already dropped")

    def FinalResult(self) -> str:
        raise RuntimeError("recognizer already dropped")
