"""Sound output for demo and practice mode: play a clip on the PC's speakers/headset.

Only used when a real output device exists (``default_player`` returns None otherwise, e.g. on a
server, in CI or in tests), so nothing ever fails for want of speakers. ``play`` returns at once;
a new clip replaces the one playing; ``stop`` silences it (pause, end of call). Called from the
demo/practice source thread, never from a PortAudio callback.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


class ClipPlayer(Protocol):
    """Plays float32 audio (mono, or frames × channels) without blocking."""

    def play(self, samples: npt.NDArray[np.float32], rate: int) -> None: ...

    def stop(self) -> None: ...


class SoundDevicePlayer:
    """A ``ClipPlayer`` on sounddevice's default output device."""

    def __init__(self, sd: Any) -> None:
        self._sd = sd
        self._lock = threading.Lock()
        self.failed = False

    def play(self, samples: npt.NDArray[np.float32], rate: int) -> None:
        if self.failed:
            return
        with self._lock:
            try:
                self._sd.play(samples, rate, blocking=False)
            except Exception as exc:  # a device that vanished must not end the demo
                log.warning("audio output failed, continuing without sound: %s", exc)
                self.failed = True

    def stop(self) -> None:
        with self._lock:
            try:
                self._sd.stop()
            except Exception:
                log.debug("stopping audio output failed", exc_info=True)


def default_player() -> ClipPlayer | None:
    """A player on the default output device, or None when there is no usable output device."""
    try:
        import sounddevice as sd

        device = sd.query_devices(kind="output")
    except Exception as exc:  # no PortAudio, no device, no default
        log.info("no audio output device: %s", exc)
        return None
    if not device or int(device.get("max_output_channels", 0)) < 1:
        return None
    return SoundDevicePlayer(sd)
