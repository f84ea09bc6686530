"""Resampling to the recognizer's 16 kHz: right length, no aliasing, block-size independent."""

from __future__ import annotations

import numpy as np
import pytest

from assist_app.audio.levels import dbfs
from assist_app.audio.resample import StreamResampler


def _sine(freq: float, rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_output_length_matches_duration(rate: int) -> None:
    out = StreamResampler(rate).process(_sine(440, rate, 2.0))
    assert out.dtype == np.int16
    assert abs(len(out) - 32_000) <= 2


def test_block_split_gives_the_same_signal_as_one_piece() -> None:
    x = _sine(700, 48_000, 1.0)
    whole = StreamResampler(48_000).process(x)
    r = StreamResampler(48_000)
    pieces = np.concatenate([r.process(x[i : i + 777]) for i in range(0, len(x), 777)])
    n = min(len(whole), len(pieces))
    assert abs(len(whole) - len(pieces)) <= 1
    assert np.max(np.abs(whole[:n].astype(int) - pieces[:n].astype(int))) <= 1


def test_speech_band_tone_survives_and_ultrasonic_tone_is_filtered() -> None:
    kept = StreamResampler(48_000).process(_sine(1000, 48_000, 1.0))
    gone = StreamResampler(48_000).process(_sine(12_000, 48_000, 1.0))  # would alias to 4 kHz
    assert abs(dbfs(kept[500:]) - dbfs((_sine(1000, 48_000, 1.0) * 32767).astype(np.int16))) < 1.0
    assert dbfs(gone[500:]) < dbfs(kept[500:]) - 30


def test_16k_int16_passes_through_unchanged() -> None:
    x = (np.arange(-1000, 1000) * 16).astype(np.int16)
    assert np.array_equal(StreamResampler(16_000).process(x), x)


def test_bad_rate_rejected() -> None:
    with pytest.raises(ValueError):
        StreamResampler(0)
