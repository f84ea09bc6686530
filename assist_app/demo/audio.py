"""A scenario's synthesised audio as a two-channel call (left = agent, right = customer).

Each turn's clip (``scripts/synth_scenario_audio.py``) is placed at the turn's planned start
(``plan_timings``: pauses and overlaps from the scenario), so the scripted transcript and the
audio agree to the block. Used three ways:

- ``ScenarioAudioSource``: demo mode with a speech model: the call audio goes through the same
  ``FileReplay`` → levels/VAD → ASR workers path as a recorded call, played aloud as it is heard;
- ``load_clip``: the scripted source and practice mode play one turn's clip on the speakers;
- tests replay the call through the audio replay and acoustic code (loudness against baseline).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from assist_app.asr.engine import RecognizerFactory
from assist_app.audio.blocks import TARGET_RATE
from assist_app.audio.playback import ClipPlayer
from assist_app.audio.replay import FileReplay
from assist_app.demo.scenario import Scenario, Turn
from assist_app.demo.source import plan_timings
from assist_app.events import Speaker, StatusCode, StatusEvent
from assist_app.pipeline.session import EmitFn

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
CHANNEL = {Speaker.AGENT: 0, Speaker.CUSTOMER: 1}
TAIL_S = 0.8  # silence after the last turn, so the recognizer's last result is final


def load_clip(turn: Turn) -> F32:
    """One turn's clip as 16 kHz mono float32 (empty when the turn has no audio)."""
    if turn.audio is None:
        return np.zeros(0, dtype=np.float32)
    data, rate = sf.read(str(turn.audio), dtype="float32", always_2d=True)
    mono: F32 = np.asarray(data.mean(axis=1), dtype=np.float32)
    if rate != TARGET_RATE:
        from assist_app.audio.resample import StreamResampler

        pcm = StreamResampler(rate).process(mono)
        mono = np.asarray(pcm, dtype=np.float32) / np.float32(32768.0)
    return mono


def call_audio(scenario: Scenario) -> F32:
    """The whole call, frames × 2 channels at 16 kHz (raises ValueError without audio)."""
    if not scenario.has_audio:
        raise ValueError(f"scenario {scenario.id} has no audio")
    timings = plan_timings(scenario)
    clips = [load_clip(t) for t in scenario.turns]
    end = max(tm.start + len(c) / TARGET_RATE for tm, c in zip(timings, clips, strict=True)) + TAIL_S
    out = np.zeros((int(end * TARGET_RATE) + 1, 2), dtype=np.float32)
    for turn, tm, clip in zip(scenario.turns, timings, clips, strict=True):
        i = round(tm.start * TARGET_RATE)
        out[i : i + len(clip), CHANNEL[turn.speaker]] += clip
    np.clip(out, -1.0, 1.0, out=out)
    return out


def write_call_audio(scenario: Scenario, path: Path) -> Path:
    """The call as a stereo 16-bit WAV (what a call recorder would give the replay)."""
    sf.write(str(path), call_audio(scenario), TARGET_RATE, subtype="PCM_16")
    return path


class ScenarioAudioSource:
    """A ``CallSource``: the scenario's audio through the live pipeline (levels, VAD, acoustic cues,
    one recognizer per channel), at real speed, and out of the speakers when a player is given.

    The mixed call is written to a temporary WAV on the session's thread (never the GUI's) and
    replayed by ``FileReplay``, exactly like ``assist-app transcribe`` replays a recording.
    """

    def __init__(self, scenario: Scenario, asr: Callable[[], RecognizerFactory] | None, *,
                 player: ClipPlayer | None = None, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.name = f"demo-audio:{scenario.id}"
        self._asr = asr  # loads the model on the session's thread (seconds; never on the GUI's)
        self._player = player
        self._speed = speed
        self.error: str | None = None

    def run(self, emit: EmitFn, stop: threading.Event) -> None:
        from assist_app.pipeline.live import LiveSource

        try:
            factory = self._asr() if self._asr is not None else None
        except Exception as exc:
            log.warning("speech model unavailable for the demo: %s", exc)
            emit(StatusEvent(t=0.0, code=StatusCode.CANNOT_START, message=str(getattr(exc, "message_zh", exc))))
            return
        with tempfile.TemporaryDirectory(prefix="assist-demo-") as tmp:
            wav = write_call_audio(self.scenario, Path(tmp) / f"{self.scenario.id}.wav")
            feed = FileReplay.stereo(wav, speed=self._speed)
            if self._player is not None and self._speed == 1.0:
                data, rate = sf.read(str(wav), dtype="float32")
                self._player.play(data, rate)
            try:
                source = LiveSource(feed, factory)
                source.run(emit, stop)
                if source.error is not None:
                    self.error = source.error.message_zh
            finally:
                if self._player is not None:
                    self._player.stop()
