"""File replay: the channel map, two mono files, bad files, stopping."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assist_app.audio.blocks import AudioBlock
from assist_app.audio.errors import AudioFileError
from assist_app.audio.levels import dbfs
from assist_app.audio.replay import FileReplay
from assist_app.events import Speaker, StatusEvent


def _tone(rate: int, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def _collect(
    feed: FileReplay, stop: threading.Event | None = None
) -> tuple[list[AudioBlock], list[StatusEvent]]:
    blocks: list[AudioBlock] = []
    statuses: list[StatusEvent] = []
    feed.run(blocks.append, statuses.append, stop or threading.Event())
    return blocks, statuses


def _level(blocks: list[AudioBlock], speaker: Speaker) -> float:
    return dbfs(np.concatenate([b.samples for b in blocks if b.speaker is speaker]))


def test_stereo_default_map_left_agent_right_customer(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    left = _tone(44_100, 1.0)
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), 44_100)
    blocks, _ = _collect(FileReplay.from_paths([path], speed=0))
    assert _level(blocks, Speaker.AGENT) > -10
    assert _level(blocks, Speaker.CUSTOMER) < -100
    agent = [b for b in blocks if b.speaker is Speaker.AGENT]
    assert abs(sum(len(b.samples) for b in agent) - 16_000) <= 2  # resampled to 16 kHz
    times = [b.t for b in agent]
    assert times == sorted(times) and times[0] == 0.0
    assert abs(agent[-1].end - 1.0) < 0.01


def test_channel_map_can_be_swapped(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    left = _tone(16_000, 0.5)
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), 16_000)
    feed = FileReplay.stereo(path, channel_map={Speaker.AGENT: 1, Speaker.CUSTOMER: 0}, speed=0)
    blocks, _ = _collect(feed)
    assert _level(blocks, Speaker.CUSTOMER) > -10
    assert _level(blocks, Speaker.AGENT) < -100


def test_two_mono_files_with_different_rates_and_lengths(tmp_path: Path) -> None:
    a, c = tmp_path / "agent.wav", tmp_path / "customer.flac"
    sf.write(a, _tone(8_000, 2.0), 8_000)
    sf.write(c, _tone(48_000, 1.0, amp=0.05), 48_000)
    feed = FileReplay.from_paths([a, c], speed=0)
    assert feed.speakers == (Speaker.AGENT, Speaker.CUSTOMER)
    assert abs(feed.duration - 2.0) < 1e-6
    blocks, _ = _collect(feed)
    agent_end = max(b.end for b in blocks if b.speaker is Speaker.AGENT)
    cust_end = max(b.end for b in blocks if b.speaker is Speaker.CUSTOMER)
    assert abs(agent_end - 2.0) < 0.01 and abs(cust_end - 1.0) < 0.01
    assert _level(blocks, Speaker.AGENT) - _level(blocks, Speaker.CUSTOMER) == pytest.approx(20, abs=1)


def test_single_mono_file_is_one_speaker(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, _tone(16_000, 0.3), 16_000)
    blocks, _ = _collect(FileReplay.from_paths([path], mono_speaker=Speaker.CUSTOMER, speed=0))
    assert {b.speaker for b in blocks} == {Speaker.CUSTOMER}


def test_missing_file_gives_chinese_message(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError) as exc:
        FileReplay.from_paths([tmp_path / "nope.wav"])
    assert "找不到音频文件" in exc.value.message_zh
    assert "not found" in str(exc.value)


def test_garbage_file_is_rejected_before_playing(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    with pytest.raises(AudioFileError) as exc:
        FileReplay.from_paths([path])
    assert "损坏" in exc.value.message_zh


def test_truncated_wav_plays_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "cut.wav"
    sf.write(path, _tone(16_000, 2.0), 16_000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # header still claims 2 s
    blocks, _ = _collect(FileReplay.from_paths([path], speed=0))
    total = sum(b.duration for b in blocks)
    assert 0.9 < total < 1.1


def test_three_files_is_a_usage_error(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.wav")
        sf.write(paths[-1], _tone(16_000, 0.1), 16_000)
    with pytest.raises(AudioFileError) as exc:
        FileReplay.from_paths(paths)
    assert "两个单声道文件" in exc.value.message_zh


def test_stop_ends_real_speed_replay_early(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros((16_000 * 60, 2), dtype=np.float32), 16_000)
    stop = threading.Event()
    got: list[AudioBlock] = []

    def on_block(b: AudioBlock) -> None:
        got.append(b)
        if len(got) >= 6:
            stop.set()

    FileReplay.from_paths([path], speed=1.0).run(on_block, lambda s: None, stop)
    assert 6 <= len(got) < 20  # returned long before the minute of audio was played


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    path = tmp_path / "p.wav"
    sf.write(path, np.zeros((16_000 * 3, 2), dtype=np.float32), 16_000)
    seen: list[tuple[float, float]] = []
    feed = FileReplay.from_paths([path], speed=0, on_progress=lambda d, t: seen.append((d, t)))
    _collect(feed)
    assert seen and seen[-1][1] == pytest.approx(3.0)
    assert seen[-1][0] == pytest.approx(3.0, abs=0.01)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
