"""Loudness (dBFS) and a light energy-based voice-activity detector, per block.

The VAD tracks each channel's noise floor (falls fast, rises slowly) and calls a block voiced
when it is clearly above both that floor and an absolute minimum; a short hang-over bridges the
gaps between syllables so one phrase is one voiced run. This is deliberately simple: it must run
for every block of two channels in real time, and it only feeds the level meters and the acoustic
cues (overlap, silence), never the recognizer itself.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

#: dBFS reported for digital silence (log of zero).
SILENCE_DBFS = -120.0


def dbfs(samples: npt.NDArray[np.int16] | npt.NDArray[np.float32]) -> float:
    """RMS level of a block in dB relative to full scale (int16 or float in [-1, 1])."""
    if len(samples) == 0:
        return SILENCE_DBFS
    x = samples.astype(np.float64)
    if samples.dtype == np.int16:
        x /= 32768.0
    rms = math.sqrt(float(np.mean(x * x)))
    if rms <= 1e-6:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(rms))


class VoiceActivityDetector:
    """Energy VAD with an adaptive noise floor and a hang-over; one instance per channel."""

    def __init__(
        self,
        *,
        min_dbfs: float = -50.0,
        margin_db: float = 12.0,
        hangover_s: float = 0.3,
        floor_rise_db_per_s: float = 1.0,
    ) -> None:
        self.min_dbfs = min_dbfs
        self.margin_db = margin_db
        self.hangover_s = hangover_s
        self.floor_rise_db_per_s = floor_rise_db_per_s
        self.noise_floor = -70.0
        self.last_loud = False  # the latest block was above threshold (not just hang-over)
        self._hang = 0.0

    def update(self, level_dbfs: float, duration_s: float) -> bool:
        """Feed one block's level; returns whether the block counts as speech."""
        if level_dbfs < self.noise_floor:
            self.noise_floor = level_dbfs
        else:
            self.noise_floor = min(level_dbfs, self.noise_floor + self.floor_rise_db_per_s * duration_s)
        self.noise_floor = max(self.noise_floor, -90.0)
        loud = level_dbfs >= max(self.min_dbfs, self.noise_floor + self.margin_db)
        self.last_loud = loud
        if loud:
            self._hang = self.hangover_s
            return True
        if self._hang > 0.0:
            self._hang -= duration_s
            return True
        return False
