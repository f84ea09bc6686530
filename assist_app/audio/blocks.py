"""The audio block type and the ``AudioFeed`` protocol every audio source implements."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from assist_app.events import Speaker, StatusEvent

#: Sample rate the recognizer is fed (Vosk models are trained on 16 kHz).
TARGET_RATE = 16_000

Int16Array = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class AudioBlock:
    """A run of 16 kHz mono int16 samples from one side of the call.

    ``t`` is the call-audio time (seconds since the call started) of the first sample.
    """

    speaker: Speaker
    t: float
    samples: Int16Array

    @property
    def duration(self) -> float:
        return len(self.samples) / TARGET_RATE

    @property
    def end(self) -> float:
        return self.t + self.duration


BlockFn = Callable[[AudioBlock], None]
StatusFn = Callable[[StatusEvent], None]


class AudioFeed(Protocol):
    """Delivers audio blocks for both channels until exhausted or ``stop`` is set.

    ``run`` is called on a thread the caller owns; it calls ``on_block`` for every block (in time
    order per channel) and ``on_status`` for things the user must know (device lost, overflow),
    and returns within about a second of ``stop`` being set.
    """

    name: str
    speakers: tuple[Speaker, ...]

    def run(self, on_block: BlockFn, on_status: StatusFn, stop: threading.Event) -> None: ...
