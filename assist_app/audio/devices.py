"""Input-device discovery and resolution over an injectable PortAudio backend.

``SoundDeviceBackend`` is the real one (sounddevice); tests inject fakes with the same shape.
Devices are named as PortAudio lists them (``assist-app devices``); a name may be given exactly,
as a unique substring, or as the numeric index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_app.audio.errors import DeviceError

log = logging.getLogger(__name__)

#: ``callback(frames (n, channels) float32, overflowed)`` — called on the PortAudio thread.
RawCallback = Callable[[npt.NDArray[np.float32], bool], None]


@dataclass(frozen=True, slots=True)
class InputDevice:
    """One PortAudio device that can record."""

    index: int
    name: str
    max_input_channels: int
    default_samplerate: float
    hostapi: str = ""
    is_default: bool = False


class InputStreamHandle(Protocol):
    """What capture needs from an open stream."""

    @property
    def active(self) -> bool: ...

    def start(self) -> None: ...

    def close(self) -> None: ...


class AudioBackend(Protocol):
    """The PortAudio surface capture uses; injected so tests can fake devices and failures."""

    def list_inputs(self) -> list[InputDevice]: ...

    def open_input(
        self, device: int, channels: int, samplerate: int, blocksize: int, callback: RawCallback
    ) -> InputStreamHandle: ...

    def rescan(self) -> None: ...


class _SdStream:
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    @property
    def active(self) -> bool:
        return bool(self._stream.active) and not bool(self._stream.closed)

    def start(self) -> None:
        self._stream.start()

    def close(self) -> None:
        try:
            self._stream.abort(ignore_errors=True)
        finally:
            self._stream.close(ignore_errors=True)


class SoundDeviceBackend:
    """The real backend: PortAudio through sounddevice."""

    def __init__(self) -> None:
        import sounddevice as sd

        self._sd = sd

    def list_inputs(self) -> list[InputDevice]:
        sd = self._sd
        try:
            default_in = sd.default.device[0]
        except Exception:
            default_in = -1
        hostapis = [h["name"] for h in sd.query_hostapis()]
        out = []
        for dev in sd.query_devices():
            if int(dev["max_input_channels"]) <= 0:
                continue
            out.append(
                InputDevice(
                    index=int(dev["index"]),
                    name=str(dev["name"]),
                    max_input_channels=int(dev["max_input_channels"]),
                    default_samplerate=float(dev["default_samplerate"]),
                    hostapi=hostapis[int(dev["hostapi"])] if int(dev["hostapi"]) < len(hostapis) else "",
                    is_default=int(dev["index"]) == default_in,
                )
            )
        return out

    def open_input(
        self, device: int, channels: int, samplerate: int, blocksize: int, callback: RawCallback
    ) -> InputStreamHandle:
        sd = self._sd

        def _cb(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            # PortAudio thread: copy and hand over, nothing else (STYLE.md thread table).
            callback(indata.copy(), bool(status.input_overflow))

        stream = sd.InputStream(
            device=device,
            channels=channels,
            samplerate=samplerate,
            blocksize=blocksize,
            dtype="float32",
            callback=_cb,
        )
        return _SdStream(stream)

    def rescan(self) -> None:
        """Re-read the device list (PortAudio only scans at initialisation).

        Only safe when no stream is open: it terminates and re-initialises PortAudio.
        """
        sd = self._sd
        sd._terminate()
        sd._initialize()


def resolve_device(spec: str | int, devices: Sequence[InputDevice]) -> InputDevice:
    """Find a device by index, exact name or unique substring; ``DeviceError`` explains misses."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        idx = int(spec)
        for d in devices:
            if d.index == idx:
                return d
        raise DeviceError(
            f"no input device with index {idx}", f"没有编号为 {idx} 的录音设备（用 devices 命令查看）"
        )
    name = str(spec)
    exact = [d for d in devices if d.name == name]
    if exact:
        return exact[0]
    low = name.lower()
    partial = [d for d in devices if low in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = "、".join(d.name for d in partial)
        raise DeviceError(
            f"device name {name!r} is ambiguous: {[d.name for d in partial]}",
            f"设备名“{name}”对应多个设备：{names}。请写完整名称或编号",
        )
    raise DeviceError(
        f"input device {name!r} not found", f"找不到录音设备“{name}”（用 devices 命令查看可用设备）"
    )


def check_channels(device: InputDevice, needed: int) -> None:
    if device.max_input_channels < needed:
        raise DeviceError(
            f"device {device.name!r} has {device.max_input_channels} input channel(s), need {needed}",
            f"设备“{device.name}”只有 {device.max_input_channels} 个输入声道，需要 {needed} 个",
        )
