"""Input devices for 设置 → 设备, without Qt: their names, and a level probe for 测试音量."""

from __future__ import annotations

from typing import Any


def list_devices() -> list[str]:
    try:
        from assist_app.audio.devices import SoundDeviceBackend

        return [d.name for d in SoundDeviceBackend().list_inputs()]
    except Exception:  # no PortAudio, no devices: the dialog still opens
        return []


class LevelProbe:
    """Opens one input and keeps its latest dBFS; the PortAudio callback only stores a float."""

    def __init__(self, device_name: str) -> None:
        import numpy as np

        from assist_app.audio.devices import SoundDeviceBackend, resolve_device

        backend = SoundDeviceBackend()
        dev = resolve_device(device_name, backend.list_inputs()) if device_name else next(
            d for d in backend.list_inputs() if d.is_default)
        self.dbfs = -90.0

        def cb(frames: Any, _overflow: bool) -> None:
            rms = float(np.sqrt(np.mean(np.square(frames)))) if len(frames) else 0.0
            self.dbfs = 20.0 * float(np.log10(max(rms, 1e-5)))

        self._stream = backend.open_input(dev.index, 1, 16000, 1600, cb)
        self._stream.start()

    def close(self) -> None:
        self._stream.close()
