"""Device capture over a fake PortAudio backend: mapping, errors, overflow, device loss."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from assist_app.audio.blocks import AudioBlock
from assist_app.audio.capture import CaptureConfig, DeviceCapture
from assist_app.audio.devices import InputDevice, RawCallback, resolve_device
from assist_app.audio.errors import DeviceError
from assist_app.audio.levels import dbfs
from assist_app.events import Speaker, StatusEvent


class FakeStream:
    def __init__(self, device: int, channels: int, rate: int, callback: RawCallback) -> None:
        self.device, self.channels, self.rate, self.callback = device, channels, rate, callback
        self.started = False
        self.closed = False
        self.dead = False

    @property
    def active(self) -> bool:
        return self.started and not self.closed and not self.dead

    def start(self) -> None:
        self.started = True

    def close(self) -> None:
        self.closed = True

    def push(self, frames: npt.NDArray[np.float32], overflowed: bool = False) -> None:
        self.callback(frames, overflowed)


class FakeBackend:
    def __init__(self, devices: list[InputDevice]) -> None:
        self.devices = list(devices)
        self.streams: list[FakeStream] = []
        self.rescans = 0
        self.lock = threading.Lock()

    def list_inputs(self) -> list[InputDevice]:
        return list(self.devices)

    def open_input(
        self, device: int, channels: int, samplerate: int, blocksize: int, callback: RawCallback
    ) -> FakeStream:
        if device not in {d.index for d in self.devices}:
            raise RuntimeError("PortAudio: device unavailable")
        s = FakeStream(device, channels, samplerate, callback)
        with self.lock:
            self.streams.append(s)
        return s

    def rescan(self) -> None:
        self.rescans += 1

    def open_streams(self, device: int) -> list[FakeStream]:
        with self.lock:
            return [s for s in self.streams if s.device == device and not s.closed]


HEADSET = InputDevice(index=3, name="USB Headset Mic", max_input_channels=1, default_samplerate=48_000.0)
LINE = InputDevice(
    index=5, name="Line In (softphone loopback)", max_input_channels=2, default_samplerate=44_100.0
)
STEREO = InputDevice(index=7, name="Stereo Recorder", max_input_channels=2, default_samplerate=16_000.0)


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.005)
    return pred()


class Runner:
    """Runs a capture on a thread and records what it hands on."""

    def __init__(self, capture: DeviceCapture) -> None:
        self.capture = capture
        self.blocks: list[AudioBlock] = []
        self.statuses: list[StatusEvent] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="test-capture")

    def _main(self) -> None:
        try:
            self.capture.run(self.blocks.append, self.statuses.append, self.stop)
        except BaseException as exc:
            self.error = exc

    def __enter__(self) -> Runner:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()

    def codes(self) -> list[str]:
        return [s.code for s in self.statuses]


def tone(rate: int, n: int, channels: int, loud_channel: int) -> npt.NDArray[np.float32]:
    x = np.zeros((n, channels), dtype=np.float32)
    x[:, loud_channel] = 0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)
    return x


def test_two_devices_each_feed_their_speaker_at_16k() -> None:
    backend = FakeBackend([HEADSET, LINE])
    cap = DeviceCapture(CaptureConfig.two_devices("Headset", "Line In"), backend)
    with Runner(cap) as r:
        assert wait_until(lambda: len(backend.streams) == 2)
        head, line = backend.open_streams(3)[0], backend.open_streams(5)[0]
        assert (head.rate, head.channels, line.rate, line.channels) == (48_000, 1, 44_100, 1)
        for _ in range(5):
            head.push(tone(48_000, 4800, 1, 0))
            line.push(np.zeros((4410, 1), dtype=np.float32))
        assert wait_until(lambda: sum(b.duration for b in r.blocks) >= 0.99 - 0.01)
    agent = np.concatenate([b.samples for b in r.blocks if b.speaker is Speaker.AGENT])
    cust = np.concatenate([b.samples for b in r.blocks if b.speaker is Speaker.CUSTOMER])
    assert dbfs(agent) > -10 and dbfs(cust) < -100
    assert abs(len(agent) - 8000) < 5 and abs(len(cust) - 8000) < 5
    assert r.error is None and all(s.closed for s in backend.streams)


def test_stereo_device_channel_map() -> None:
    backend = FakeBackend([STEREO])
    cap = DeviceCapture(CaptureConfig.stereo("Stereo Recorder", agent_channel=1, customer_channel=0), backend)
    with Runner(cap) as r:
        assert wait_until(lambda: len(backend.streams) == 1)
        for _ in range(3):
            backend.streams[0].push(tone(16_000, 1600, 2, loud_channel=0))
        assert wait_until(lambda: len(r.blocks) >= 6)
    cust = np.concatenate([b.samples for b in r.blocks if b.speaker is Speaker.CUSTOMER])
    agent = np.concatenate([b.samples for b in r.blocks if b.speaker is Speaker.AGENT])
    assert dbfs(cust) > -10 and dbfs(agent) < -100


def test_missing_device_and_too_few_channels_are_clear_errors() -> None:
    backend = FakeBackend([HEADSET, LINE])
    with pytest.raises(DeviceError) as exc:
        DeviceCapture(CaptureConfig.two_devices("Headset", "Bluetooth"), backend).resolve()
    assert "找不到录音设备“Bluetooth”" in exc.value.message_zh
    with pytest.raises(DeviceError) as exc:
        DeviceCapture(CaptureConfig.stereo("Headset"), backend).resolve()
    assert "只有 1 个输入声道" in exc.value.message_zh
    with pytest.raises(DeviceError) as exc:
        DeviceCapture(CaptureConfig.two_devices("Line", "Line"), backend).resolve()
    assert "同一个设备" in exc.value.message_zh


def test_device_names_resolve_by_index_exact_and_unique_substring() -> None:
    devs = [HEADSET, LINE, STEREO]
    assert resolve_device("5", devs) is LINE
    assert resolve_device(7, devs) is STEREO
    assert resolve_device("usb headset", devs) is HEADSET
    with pytest.raises(DeviceError) as exc:
        resolve_device("e", devs)
    assert "多个设备" in exc.value.message_zh


def test_overflow_is_counted_and_reported_not_silent() -> None:
    backend = FakeBackend([STEREO])
    cfg = CaptureConfig.stereo("Stereo")
    cfg = CaptureConfig(inputs=cfg.inputs, queue_seconds=0.4, block_s=0.1)  # 4 blocks of room
    cap = DeviceCapture(cfg, backend)
    # Hold the drain back by blocking the consumer inside on_block.
    release = threading.Event()
    blocks: list[AudioBlock] = []
    statuses: list[StatusEvent] = []

    def slow_consumer(b: AudioBlock) -> None:
        release.wait(5)
        blocks.append(b)

    stop = threading.Event()
    th = threading.Thread(target=cap.run, args=(slow_consumer, statuses.append, stop))
    th.start()
    try:
        assert wait_until(lambda: len(backend.streams) == 1)
        stream = backend.streams[0]
        for _ in range(12):  # far more than the queue holds while the consumer is stuck
            stream.push(tone(16_000, 1600, 2, 0))
        release.set()
        assert wait_until(lambda: any(s.code == "audio_overflow" for s in statuses))
    finally:
        stop.set()
        th.join(5)
    msg = next(s.message for s in statuses if s.code == "audio_overflow")
    assert "丢失" in msg
    assert cap.dropped_blocks >= 6


def test_device_lost_mid_call_keeps_audio_and_resumes_when_back() -> None:
    backend = FakeBackend([HEADSET, LINE])
    cfg = CaptureConfig(inputs=CaptureConfig.two_devices("Headset", "Line").inputs, stall_s=0.5, retry_s=0.05)
    cap = DeviceCapture(cfg, backend)
    with Runner(cap) as r:
        assert wait_until(lambda: len(backend.streams) == 2)
        head = backend.open_streams(3)[0]
        line = backend.open_streams(5)[0]
        for _ in range(3):
            head.push(tone(48_000, 4800, 1, 0))
        assert wait_until(lambda: len([b for b in r.blocks if b.speaker is Speaker.AGENT]) >= 3)
        before = [b for b in r.blocks if b.speaker is Speaker.AGENT]
        # The headset is unplugged: its stream dies and it disappears from the device list.
        backend.devices = [LINE]
        head.dead = True
        assert wait_until(lambda: "device_lost" in r.codes())
        lost = next(s for s in r.statuses if s.code == "device_lost")
        assert "坐席" in lost.message and "USB Headset Mic" in lost.message and "已保留" in lost.message
        line.push(np.zeros((4410, 1), dtype=np.float32))  # the other side keeps working
        time.sleep(0.3)  # a few failed reopen attempts (device absent)
        assert "device_restored" not in r.codes()
        backend.devices = [HEADSET, LINE]  # plugged back in
        assert wait_until(lambda: "device_restored" in r.codes())
        new_head = backend.open_streams(3)[-1]
        assert new_head is not head
        new_head.push(tone(48_000, 4800, 1, 0))
        assert wait_until(lambda: len([b for b in r.blocks if b.speaker is Speaker.AGENT]) > len(before))
    agent = [b for b in r.blocks if b.speaker is Speaker.AGENT]
    assert agent[: len(before)] == before  # what was captured before the loss is all still there
    resumed = agent[len(before)]
    assert resumed.t > before[-1].end  # call time kept running while the headset was away
    assert r.error is None


def test_portaudio_input_overflow_flag_is_reported() -> None:
    backend = FakeBackend([STEREO])
    cap = DeviceCapture(CaptureConfig.stereo("Stereo"), backend)
    with Runner(cap) as r:
        assert wait_until(lambda: len(backend.streams) == 1)
        backend.streams[0].push(tone(16_000, 1600, 2, 0), overflowed=True)
        assert wait_until(lambda: "audio_overflow" in r.codes())
    assert any("声卡缓冲溢出" in s.message for s in r.statuses)
    assert len(r.blocks) == 2  # the block that came with the flag is still used
