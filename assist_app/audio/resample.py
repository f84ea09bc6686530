"""Conversion of whatever a device or file delivers to the recognizer's 16 kHz mono int16.

``StreamResampler`` keeps state between blocks (filter history and the fractional read position)
so a stream cut into arbitrary blocks resamples exactly as if processed in one piece, without
clicks at block boundaries. Downsampling low-passes first (windowed-sinc FIR) so 44.1/48 kHz
input does not alias into the speech band; the rate change itself is linear interpolation, which
is plenty for ASR features that stop at 7.6 kHz.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from assist_app.audio.blocks import TARGET_RATE

FloatArray = npt.NDArray[np.float64]


def to_float(samples: npt.NDArray[np.generic]) -> FloatArray:
    """Any PCM dtype → float64 in [-1, 1]."""
    if samples.dtype == np.int16:
        return samples.astype(np.float64) / 32768.0
    if samples.dtype == np.int32:
        return samples.astype(np.float64) / 2147483648.0
    if samples.dtype == np.uint8:
        return (samples.astype(np.float64) - 128.0) / 128.0
    return samples.astype(np.float64)


def to_int16(x: FloatArray) -> npt.NDArray[np.int16]:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


def _lowpass_taps(cutoff: float, num: int = 63) -> FloatArray:
    """Windowed-sinc low-pass; ``cutoff`` as a fraction of the input sample rate (0–0.5)."""
    n = np.arange(num) - (num - 1) / 2.0
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * n) * np.hamming(num)
    return np.asarray(taps / taps.sum(), dtype=np.float64)


class StreamResampler:
    """Stateful mono resampler from ``in_rate`` to ``out_rate`` (default 16 kHz)."""

    def __init__(self, in_rate: int, out_rate: int = TARGET_RATE) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"bad sample rates {in_rate} -> {out_rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._step = in_rate / out_rate
        self._taps: FloatArray | None = None
        if in_rate > out_rate:
            # Cut a little below the new Nyquist frequency.
            self._taps = _lowpass_taps(0.45 * out_rate / in_rate)
        n_hist = 0 if self._taps is None else len(self._taps) - 1
        self._fir_hist: FloatArray = np.zeros(n_hist)
        self._pos = 0.0  # read position (in input samples) relative to the start of _buf
        self._buf: FloatArray = np.zeros(0)

    def process(self, samples: npt.NDArray[np.generic]) -> npt.NDArray[np.int16]:
        """Resample one block of mono samples; returns int16 at ``out_rate``."""
        x = to_float(np.asarray(samples).reshape(-1))
        if self.in_rate == self.out_rate:
            return to_int16(x)
        if self._taps is not None and len(x):
            ext = np.concatenate([self._fir_hist, x])
            x = np.convolve(ext, self._taps, mode="valid")
            self._fir_hist = ext[len(ext) - (len(self._taps) - 1) :]
        buf = np.concatenate([self._buf, x])
        if len(buf) < 2:
            self._buf = buf
            return np.zeros(0, dtype=np.int16)
        # Output positions that have both neighbours available.
        last = len(buf) - 1
        count = int(np.floor((last - self._pos) / self._step)) + 1
        if count <= 0:
            self._buf = buf
            return np.zeros(0, dtype=np.int16)
        pos = self._pos + self._step * np.arange(count)
        idx = np.floor(pos).astype(np.int64)
        frac = pos - idx
        out = buf[idx] * (1.0 - frac) + buf[np.minimum(idx + 1, last)] * frac
        next_pos = self._pos + self._step * len(pos)
        keep_from = min(int(np.floor(next_pos)), last)  # keep the last sample for interpolation
        self._buf = buf[keep_from:]
        self._pos = next_pos - keep_from
        return to_int16(out)


def mix_to_mono(frames: npt.NDArray[np.generic]) -> FloatArray:
    """Average all channels of a (frames, channels) block into one float channel."""
    arr = to_float(np.asarray(frames))
    return arr if arr.ndim == 1 else np.asarray(arr.mean(axis=1), dtype=np.float64)
