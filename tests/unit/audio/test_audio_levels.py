"""Levels and VAD: what the level meters and the acoustic cues are built on."""

from __future__ import annotations

import numpy as np

from assist_app.audio.levels import SILENCE_DBFS, VoiceActivityDetector, dbfs


def _tone(amp: float, n: int = 1600, freq: float = 440.0) -> np.ndarray:
    t = np.arange(n) / 16_000
    return (amp * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_full_scale_sine_is_about_minus_3_dbfs() -> None:
    assert abs(dbfs(_tone(1.0)) - (-3.01)) < 0.1


def test_halving_amplitude_is_minus_6_db() -> None:
    assert abs(dbfs(_tone(0.5)) - dbfs(_tone(1.0)) + 6.02) < 0.1


def test_digital_silence_and_empty_block() -> None:
    assert dbfs(np.zeros(1600, dtype=np.int16)) == SILENCE_DBFS
    assert dbfs(np.zeros(0, dtype=np.int16)) == SILENCE_DBFS


def test_vad_speech_over_noise_then_hangover_then_silence() -> None:
    rng = np.random.default_rng(0)
    vad = VoiceActivityDetector(hangover_s=0.3)
    noise = (rng.normal(0, 30, 1600)).astype(np.int16)  # about -60 dBFS line noise
    decisions = [vad.update(dbfs(noise), 0.1) for _ in range(20)]
    assert not any(decisions), "steady line noise is not speech"
    assert vad.update(dbfs(_tone(0.3)), 0.1)
    after = [vad.update(dbfs(noise), 0.1) for _ in range(6)]
    assert after[:3] == [True, True, True]  # hang-over bridges gaps between syllables
    assert not any(after[3:])


def test_vad_floor_adapts_to_loud_constant_hum() -> None:
    vad = VoiceActivityDetector(floor_rise_db_per_s=5.0)
    hum = _tone(0.05, freq=50.0)  # about -29 dBFS, constant
    decisions = [vad.update(dbfs(hum), 0.1) for _ in range(200)]
    assert decisions[0] is True  # at first a loud hum looks like speech...
    assert not any(decisions[-20:])  # ...until the floor has risen to it
