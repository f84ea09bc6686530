"""Live capture from PortAudio devices: two devices, or one stereo device with a channel map.

Threads: PortAudio calls ``_Input._callback`` on its own thread; it only appends a copy of the
block to a bounded deque (or counts an overflow when full) — no logging, no locks beyond the
GIL, no recognizer (STYLE.md thread table). The ``run`` thread drains the deques every few
milliseconds, resamples to 16 kHz mono per speaker and hands ``AudioBlock`` objects on.

Device loss: if a stream stops by itself or delivers nothing for ``stall_s``, the user gets a
``device_lost`` status in Chinese, everything captured so far stays (it was already handed on),
and the device is reopened every ``retry_s`` until it works again (``device_restored``) or the
call is stopped. Call-audio time keeps running while a device is away, so the two sides stay
aligned.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from assist_app.audio.blocks import TARGET_RATE, AudioBlock, BlockFn, StatusFn
from assist_app.audio.devices import (
    AudioBackend,
    InputDevice,
    InputStreamHandle,
    check_channels,
    resolve_device,
)
from assist_app.audio.errors import DeviceError
from assist_app.audio.resample import StreamResampler
from assist_app.events import Speaker, StatusCode, StatusEvent

log = logging.getLogger(__name__)

SPEAKER_ZH = {Speaker.AGENT: "坐席", Speaker.CUSTOMER: "客户"}


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One device to open and which of its channels (0-based) carries which speaker."""

    device: str | int
    channels: Mapping[Speaker, int]


@dataclass(frozen=True, slots=True)
class CaptureConfig:
    """The seat's audio set-up."""

    inputs: tuple[InputSpec, ...]
    block_s: float = 0.05  # = asr.engine.LIVE_BLOCK_S (issue 15); a block adds up to its length to latency
    queue_seconds: float = 10.0  # how much audio may wait before blocks are dropped
    stall_s: float = 2.0
    retry_s: float = 1.0

    @classmethod
    def two_devices(cls, agent: str | int, customer: str | int) -> CaptureConfig:
        return cls(inputs=(InputSpec(agent, {Speaker.AGENT: 0}), InputSpec(customer, {Speaker.CUSTOMER: 0})))

    @classmethod
    def stereo(cls, device: str | int, *, agent_channel: int = 0, customer_channel: int = 1) -> CaptureConfig:
        if agent_channel == customer_channel:
            raise DeviceError("agent and customer channel must differ", "坐席声道和客户声道不能相同")
        return cls(
            inputs=(InputSpec(device, {Speaker.AGENT: agent_channel, Speaker.CUSTOMER: customer_channel}),)
        )

    @property
    def speakers(self) -> tuple[Speaker, ...]:
        return tuple(sp for spec in self.inputs for sp in spec.channels)


@dataclass
class _Input:
    """State of one opened device; the deque is the only thing the callback touches."""

    spec: InputSpec
    device: InputDevice
    samplerate: int
    n_channels: int
    max_blocks: int
    pending: collections.deque[npt.NDArray[np.float32]] = field(default_factory=collections.deque)
    dropped_blocks: int = 0
    overflow_flags: int = 0
    stream: InputStreamHandle | None = None
    lost: bool = False
    last_data: float = 0.0
    next_retry: float = 0.0
    reported_drops: int = 0
    reported_flags: int = 0
    resamplers: dict[Speaker, StreamResampler] = field(default_factory=dict)

    def _callback(self, frames: npt.NDArray[np.float32], overflowed: bool) -> None:
        # Runs on the PortAudio thread. Only integer bumps and a deque append (atomic under GIL).
        if overflowed:
            self.overflow_flags += 1
        if len(self.pending) >= self.max_blocks:
            self.dropped_blocks += 1
            return
        self.pending.append(frames)

    @property
    def label(self) -> str:
        return "、".join(SPEAKER_ZH[s] for s in self.spec.channels)


class DeviceCapture:
    """An ``AudioFeed`` reading live devices; see the module docstring."""

    def __init__(self, config: CaptureConfig, backend: AudioBackend) -> None:
        self.config = config
        self.backend = backend
        self.speakers = config.speakers
        self.name = "devices:" + "+".join(str(s.device) for s in config.inputs)
        self.dropped_blocks = 0

    def resolve(self) -> list[tuple[InputSpec, InputDevice]]:
        """Check the configured devices exist and have the channels needed (``DeviceError``)."""
        devices = self.backend.list_inputs()
        if not devices:
            raise DeviceError("no input devices found", "没有找到任何录音设备")
        out = []
        for spec in self.config.inputs:
            dev = resolve_device(spec.device, devices)
            check_channels(dev, max(spec.channels.values()) + 1)
            out.append((spec, dev))
        if len(out) == 2 and out[0][1].index == out[1][1].index:
            raise DeviceError(
                "agent and customer use the same device; use --stereo with a channel map",
                "坐席和客户用了同一个设备；单个立体声设备请用 --stereo",
            )
        return out

    def run(self, on_block: BlockFn, on_status: StatusFn, stop: threading.Event) -> None:
        inputs = []
        for spec, dev in self.resolve():
            n_channels = max(spec.channels.values()) + 1
            rate = round(dev.default_samplerate) or TARGET_RATE
            blocks = max(4, int(self.config.queue_seconds / self.config.block_s))
            inp = _Input(spec=spec, device=dev, samplerate=rate, n_channels=n_channels, max_blocks=blocks)
            inputs.append(inp)
        start = time.monotonic()
        clocks = {sp: 0.0 for sp in self.speakers}
        try:
            for inp in inputs:
                self._open(inp)  # a device that cannot be opened at the start is a hard error
                inp.last_data = time.monotonic()
            while not stop.is_set():
                now = time.monotonic()
                for inp in inputs:
                    self._drain(inp, clocks, on_block)
                    self._report_drops(inp, clocks, on_status)
                    if inp.lost:
                        if now >= inp.next_retry:
                            self._try_reopen(inp, inputs, clocks, now - start, on_status)
                    elif self._is_lost(inp, now):
                        self._mark_lost(inp, max(clocks.values()), on_status)
                stop.wait(0.02)
            for inp in inputs:  # what is already buffered still belongs to the call
                self._drain(inp, clocks, on_block)
        finally:
            for inp in inputs:
                self._close(inp)
            self.dropped_blocks = sum(i.dropped_blocks for i in inputs)

    # -- internals ---------------------------------------------------------------------------

    def _open(self, inp: _Input) -> None:
        blocksize = max(1, int(inp.samplerate * self.config.block_s))
        try:
            stream = self.backend.open_input(
                inp.device.index, inp.n_channels, inp.samplerate, blocksize, inp._callback
            )
            stream.start()
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceError(
                f"cannot open input device {inp.device.name!r}: {exc}",
                f"无法打开录音设备“{inp.device.name}”：{exc}",
            ) from exc
        inp.stream = stream
        inp.resamplers = {sp: StreamResampler(inp.samplerate) for sp in inp.spec.channels}

    def _close(self, inp: _Input) -> None:
        if inp.stream is not None:
            try:
                inp.stream.close()
            except Exception:
                log.warning("closing stream for %s failed", inp.device.name, exc_info=True)
            inp.stream = None

    def _drain(self, inp: _Input, clocks: dict[Speaker, float], on_block: BlockFn) -> None:
        while inp.pending:
            frames = inp.pending.popleft()
            inp.last_data = time.monotonic()
            for sp, ch in inp.spec.channels.items():
                col = np.ascontiguousarray(frames[:, ch]) if frames.ndim == 2 else frames
                out = inp.resamplers[sp].process(col)
                if len(out):
                    on_block(AudioBlock(speaker=sp, t=clocks[sp], samples=out))
                    clocks[sp] += len(out) / TARGET_RATE

    def _report_drops(self, inp: _Input, clocks: dict[Speaker, float], on_status: StatusFn) -> None:
        """Tell the user about lost audio: our queue full, or PortAudio's own input overflow."""
        dropped, flagged = inp.dropped_blocks, inp.overflow_flags
        if dropped > inp.reported_drops:
            new = dropped - inp.reported_drops
            inp.reported_drops = dropped
            seconds = new * self.config.block_s
            log.warning("input %s: %d block(s) dropped (queue full)", inp.device.name, new)
            on_status(
                StatusEvent(
                    t=max(clocks.values()),
                    code=StatusCode.AUDIO_OVERFLOW,
                    message=f"{inp.label}音频处理跟不上，丢失约 {seconds:.1f} 秒音频（累计 {dropped} 块）",
                )
            )
        if flagged > inp.reported_flags:
            inp.reported_flags = flagged
            log.warning("input %s: PortAudio reported input overflow (%d so far)", inp.device.name, flagged)
            on_status(
                StatusEvent(
                    t=max(clocks.values()),
                    code=StatusCode.AUDIO_OVERFLOW,
                    message=f"{inp.label}声卡缓冲溢出，有少量音频丢失（累计 {flagged} 次）",
                )
            )

    def _is_lost(self, inp: _Input, now: float) -> bool:
        if inp.stream is None:
            return True
        if not inp.stream.active:
            return True
        return now - inp.last_data > self.config.stall_s

    def _mark_lost(self, inp: _Input, t: float, on_status: StatusFn) -> None:
        log.warning("input device %s lost (inactive or stalled)", inp.device.name)
        inp.lost = True
        self._close(inp)
        inp.pending.clear()
        inp.next_retry = time.monotonic() + self.config.retry_s
        on_status(
            StatusEvent(
                t=t,
                code=StatusCode.DEVICE_LOST,
                message=(
                    f"{inp.label}录音设备“{inp.device.name}”已断开。之前的录音和转写已保留，"
                    "设备恢复后将自动继续录音。"
                ),
            )
        )

    def _try_reopen(
        self,
        inp: _Input,
        inputs: list[_Input],
        clocks: dict[Speaker, float],
        elapsed: float,
        on_status: StatusFn,
    ) -> None:
        inp.next_retry = time.monotonic() + self.config.retry_s
        if all(i.stream is None for i in inputs):
            # PortAudio only sees hot-plugged devices after a rescan, which is only safe with no
            # stream open.
            try:
                self.backend.rescan()
            except Exception:
                log.debug("rescan failed", exc_info=True)
        try:
            devices = self.backend.list_inputs()
            inp.device = resolve_device(inp.spec.device, devices)
            self._open(inp)
        except Exception as exc:
            log.debug("reopen of %s failed: %s", inp.spec.device, exc)
            self._close(inp)
            return
        inp.lost = False
        inp.last_data = time.monotonic()
        for sp in inp.spec.channels:  # the gap is call time that passed without this side's audio
            clocks[sp] = max(clocks[sp], elapsed)
        log.info("input device %s restored", inp.device.name)
        on_status(
            StatusEvent(
                t=max(clocks.values()),
                code=StatusCode.DEVICE_RESTORED,
                message=f"{inp.label}录音设备“{inp.device.name}”已恢复，继续录音。",
            )
        )
