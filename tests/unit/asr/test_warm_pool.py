"""Warm recognizers across calls (issue 15): one pool lends the same recognizers to call after call,
word times stay call times although the recognizer's own clock keeps running, a recognizer past
its audio budget is replaced between calls (and the heap trimmed), and the speech service loads
one model for every call."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from assist_app.asr.service import SpeechService
from assist_app.asr.warm import WarmRecognizerPool, load_warmup_clip, warmup_clip_path
from assist_app.audio.replay import FileReplay
from assist_app.events import Event, FinalText, Speaker
from assist_app.pipeline.live import LiveSource
from assist_app.pipeline.offline import PassThroughAnalyzer
from assist_app.pipeline.session import CallSession
from assist_app.pipeline.sinks import CollectSink
from tests.unit.pipeline.fakes import FakeRecognizer

RATE = 16_000


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def _pcm(x: np.ndarray) -> bytes:
    return (x * 32767).astype(np.int16).tobytes()


class Counting:
    """A recognizer factory that remembers what it made (and a trim counter)."""

    def __init__(self) -> None:
        self.made: list[FakeRecognizer] = []
        self.trims = 0

    def __call__(self) -> FakeRecognizer:
        rec = FakeRecognizer()
        self.made.append(rec)
        return rec

    def trim(self) -> bool:
        self.trims += 1
        return True


def _call(path: Path, factory: Any) -> list[Event]:
    sink = CollectSink()
    source = LiveSource(FileReplay.from_paths([path], speed=0), factory, emit_levels=False)
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink])
    session.start()
    assert session.wait(30)
    session.stop()
    return sink.snapshot()


def _stereo_call(tmp_path: Path) -> Path:
    # agent: speech 1.0–1.5 s, customer: speech 2.0–2.3 s; 4 s in all
    agent = np.concatenate([_quiet(1.0), _tone(0.5), _quiet(2.5)])
    customer = np.concatenate([_quiet(2.0), _tone(0.3), _quiet(1.7)])
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([agent, customer], axis=1), RATE)
    return path


def test_warm_recognizers_serve_call_after_call_with_call_times(tmp_path: Path) -> None:
    make = Counting()
    warmup = _pcm(np.concatenate([_tone(0.4), _quiet(0.2)]))
    pool = WarmRecognizerPool(make, size=2, warmup_pcm=warmup, trim=make.trim)
    pool.fill()
    assert len(make.made) == 2 and pool.idle == 2
    assert all(r.samples == len(warmup) // 2 for r in make.made)  # fed the clip: warm

    call = _stereo_call(tmp_path)
    for _ in range(3):
        finals = [e for e in _call(call, pool.acquire) if isinstance(e, FinalText)]
        by = {f.speaker: f for f in finals}
        # The recognizers' own clocks have run through the warm-up and earlier calls; the
        # events still carry this call's times.
        assert by[Speaker.AGENT].start == 1.0 and by[Speaker.AGENT].end == 1.5
        assert by[Speaker.CUSTOMER].start == 2.0 and by[Speaker.CUSTOMER].end == 2.3
        assert pool.idle == 2
    assert len(make.made) == 2  # no recognizer built for any call
    assert pool.cold_acquires == 0 and pool.recycled == 0
    # every channel of every call was heard by one of the two (which one depends on the threads)
    assert sum(r.samples for r in make.made) == 2 * len(warmup) // 2 + 3 * 2 * 4 * RATE


def test_recognizer_recreated_after_its_audio_budget(tmp_path: Path) -> None:
    make = Counting()
    pool = WarmRecognizerPool(make, size=1, recycle_after_s=6.0, warmup_pcm=_pcm(_quiet(0.5)), trim=make.trim)
    pool.fill()
    call = tmp_path / "agent.wav"  # one channel: one recognizer per call
    sf.write(call, np.concatenate([_quiet(1.0), _tone(0.5), _quiet(2.5)]), RATE)

    _call(call, pool.acquire)  # 0.5 + 4 s: under the budget, kept
    assert pool.wait_idle(10) and len(make.made) == 1 and pool.recycled == 0

    events = _call(call, pool.acquire)  # 8.5 s: replaced after this call
    assert pool.wait_idle(10)
    assert pool.recycled == 1 and len(make.made) == 2 and pool.idle == 1
    assert make.trims >= 2  # the freed heap is handed back before the new one grows
    assert len([e for e in events if isinstance(e, FinalText)]) == 1  # the call itself was whole

    lent = pool.acquire()
    assert lent.raw is make.made[1]
    assert lent.audio_s == 0.5  # a fresh recognizer, warmed with the clip only
    lent.release()


def test_more_channels_than_warm_recognizers_get_a_cold_one_and_the_pool_stays_bounded() -> None:
    make = Counting()
    pool = WarmRecognizerPool(make, size=1, trim=make.trim)
    pool.fill()
    a, b = pool.acquire(), pool.acquire()
    assert pool.cold_acquires == 1 and len(make.made) == 2
    a.release()
    b.release()
    assert pool.idle == 1  # the extra one is dropped, not kept
    b.release()  # a second release is harmless
    assert pool.idle == 1


def test_speech_service_loads_one_model_for_all_calls() -> None:
    loads: list[Path] = []
    make = Counting()

    class Engine:
        def __init__(self, model_dir: Path) -> None:
            loads.append(model_dir)

        def new_recognizer(self) -> FakeRecognizer:
            return make()

    service = SpeechService(engine_factory=Engine, warmup=lambda: b"", trim=make.trim)  # type: ignore[arg-type]
    model = Path("/models/a")
    service.preload(model)
    pools = [service.pool_for(model, timeout=10) for _ in range(3)]
    assert loads == [model.resolve()]
    assert pools[0] is pools[1] is pools[2] and len(make.made) == 2
    assert service.loaded_model() == model.resolve()

    other = service.pool_for(Path("/models/b"), timeout=10)  # chosen in 设置: replaces the first
    assert other is not pools[0] and len(loads) == 2
    service.close()
    assert not [t for t in threading.enumerate() if t.name.startswith(("speech-", "asr-warm"))]


def test_bundled_warmup_clip_is_speech_length_16k_mono() -> None:
    info = sf.info(warmup_clip_path())
    assert info.samplerate == RATE and info.channels == 1
    pcm = load_warmup_clip()
    assert 5.0 <= len(pcm) / 2 / RATE <= 20.0
    assert np.abs(np.frombuffer(pcm, dtype=np.int16)).max() > 3000  # not silence
