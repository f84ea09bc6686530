"""The live source end to end with a scripted recognizer: partial/final events with call-time word
timings, speaker from channel, gaps, acoustic cues, errors, and no thread left behind."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assist_app.audio.blocks import AudioBlock, BlockFn, StatusFn
from assist_app.audio.errors import AudioFileError
from assist_app.audio.replay import FileReplay
from assist_app.events import (
    Event,
    FinalText,
    LevelEvent,
    PartialText,
    Speaker,
    StatusEvent,
)
from assist_app.pipeline.live import LiveSource
from assist_app.pipeline.offline import PassThroughAnalyzer, transcribe_files
from assist_app.pipeline.session import CallSession
from assist_app.pipeline.sinks import CollectSink, JsonlSink

from .fakes import FakeRecognizer

RATE = 16_000


def _speech(seconds: float, amp: float = 0.4) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (amp * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def _write_call(path: Path, agent: Sequence[np.ndarray], customer: Sequence[np.ndarray]) -> Path:
    a, c = np.concatenate(agent), np.concatenate(customer)
    n = max(len(a), len(c))
    a, c = np.pad(a, (0, n - len(a))), np.pad(c, (0, n - len(c)))
    sf.write(path, np.stack([a, c], axis=1), RATE)
    return path


def _run(source: LiveSource) -> list[Event]:
    sink = CollectSink()
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink])
    session.start()
    assert session.wait(30)
    session.stop()
    return sink.snapshot()


def _pipeline_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("asr-", "analysis", "source"))]


def test_two_channels_give_speaker_tagged_partials_and_timed_finals(tmp_path: Path) -> None:
    wav = _write_call(
        tmp_path / "call.wav",
        agent=[_speech(1.0), _quiet(3.0)],  # agent speaks 0.0–1.0
        customer=[_quiet(2.0), _speech(0.5), _quiet(1.5)],  # customer speaks 2.0–2.5
    )
    events = _run(LiveSource(FileReplay.from_paths([wav], speed=0), FakeRecognizer))
    # At full replay speed the two workers race; order by start as the transcript does.
    finals = sorted((e for e in events if isinstance(e, FinalText)), key=lambda f: f.start or 0.0)
    assert [(f.speaker, len(f.text)) for f in finals] == [(Speaker.AGENT, 10), (Speaker.CUSTOMER, 5)]
    agent, cust = finals
    assert agent.start == pytest.approx(0.0, abs=0.01) and agent.end == pytest.approx(1.0, abs=0.01)
    assert cust.start == pytest.approx(2.0, abs=0.01) and cust.end == pytest.approx(2.5, abs=0.01)
    assert cust.words[0].start == pytest.approx(2.0, abs=0.01)  # word times are call times
    partials = [e for e in events if isinstance(e, PartialText)]
    assert {p.speaker for p in partials} == {Speaker.AGENT, Speaker.CUSTOMER}
    first_cust = next(p for p in partials if p.speaker is Speaker.CUSTOMER)
    assert 2.0 < first_cust.t <= 2.2  # stamped with the audio time it was heard
    assert all(f.acoustic is not None for f in finals)
    assert agent.acoustic is not None and agent.acoustic.rate_cpm == pytest.approx(600, rel=0.05)
    levels = [e for e in events if isinstance(e, LevelEvent)]
    assert any(lv.voiced and lv.speaker is Speaker.CUSTOMER and 2.0 <= lv.t < 2.5 for lv in levels)
    assert not any(lv.voiced and lv.speaker is Speaker.CUSTOMER and lv.t < 1.9 for lv in levels)
    assert events[0].type_name == "call_started" and events[-1].type_name == "call_ended"
    assert _pipeline_threads() == []


def test_agent_talking_over_customer_is_an_overlap_on_the_agent(tmp_path: Path) -> None:
    wav = _write_call(
        tmp_path / "overlap.wav",
        customer=[_speech(2.0), _quiet(2.0)],  # customer 0.0–2.0
        agent=[_quiet(1.0), _speech(1.5), _quiet(1.5)],  # agent cuts in at 1.0
    )
    events = _run(LiveSource(FileReplay.from_paths([wav], speed=0), FakeRecognizer))
    finals = {f.speaker: f for f in events if isinstance(f, FinalText)}
    agent_ac, cust_ac = finals[Speaker.AGENT].acoustic, finals[Speaker.CUSTOMER].acoustic
    assert agent_ac is not None and cust_ac is not None
    assert agent_ac.overlap_s is not None and agent_ac.overlap_s >= 0.9  # ~1 s, +VAD hang-over
    assert cust_ac.overlap_s == 0.0  # the customer did not interrupt anyone


def test_customer_getting_louder_than_their_baseline(tmp_path: Path) -> None:
    wav = _write_call(
        tmp_path / "loud.wav",
        agent=[_quiet(6.0)],
        customer=[_speech(1.0, 0.1), _quiet(1.0), _speech(1.0, 0.1), _quiet(1.0), _speech(1.0, 0.6), _quiet(1)],
    )
    events = _run(LiveSource(FileReplay.from_paths([wav], speed=0), FakeRecognizer))
    rel = [f.acoustic.loudness_rel_db for f in events if isinstance(f, FinalText) and f.acoustic]
    assert rel[0] is None  # no baseline yet
    assert rel[1] == pytest.approx(0.0, abs=0.5)
    assert rel[2] == pytest.approx(15.6, abs=1.0)  # 0.6 vs 0.1 amplitude


class _GappyFeed:
    """Agent audio with a 3-second hole, as when a headset drops out and comes back."""

    name = "gappy"
    speakers = (Speaker.AGENT,)

    def run(self, on_block: BlockFn, on_status: StatusFn, stop: threading.Event) -> None:
        loud = (np.ones(1600) * 8000).astype(np.int16)
        quiet = np.zeros(1600, dtype=np.int16)
        t = 0.0
        for samples in [loud] * 5 + [quiet] * 2:
            on_block(AudioBlock(Speaker.AGENT, t, samples))
            t += 0.1
        on_status(StatusEvent(t=t, code="device_lost", message="坐席录音设备已断开"))
        t += 3.0
        for samples in [loud] * 3 + [quiet] * 2:
            on_block(AudioBlock(Speaker.AGENT, t, samples))
            t += 0.1


def test_gap_in_audio_keeps_word_times_on_the_call_clock() -> None:
    events = _run(LiveSource(_GappyFeed(), FakeRecognizer))
    finals = [e for e in events if isinstance(e, FinalText)]
    assert [f.start for f in finals] == [0.0, 3.7]
    assert any(isinstance(e, StatusEvent) and e.code == "device_lost" for e in events)


class _BrokenFeed:
    name = "broken"
    speakers = (Speaker.AGENT, Speaker.CUSTOMER)

    def run(self, on_block: BlockFn, on_status: StatusFn, stop: threading.Event) -> None:
        loud = (np.ones(1600) * 8000).astype(np.int16)
        for i in range(4):
            on_block(AudioBlock(Speaker.AGENT, i * 0.1, loud))
        raise AudioFileError("read error at 0.4s", "音频文件在 0.4 秒处损坏，之前的内容已处理")


def test_audio_error_mid_call_keeps_what_was_recognised(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    sink = JsonlSink(out)
    source = LiveSource(_BrokenFeed(), FakeRecognizer)
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink])
    session.start()
    assert session.wait(30)
    session.stop()
    sink.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    types = [line.split('"type": "')[1].split('"')[0] for line in lines]
    assert "final" in types  # the speech before the damage was flushed as a final result
    assert "音频文件在 0.4 秒处损坏" in out.read_text(encoding="utf-8")
    assert types[-1] == "call_ended"
    assert isinstance(source.error, AudioFileError)
    assert _pipeline_threads() == []


def test_stop_mid_call_ends_all_threads(tmp_path: Path) -> None:
    wav = _write_call(tmp_path / "long.wav", agent=[_speech(30.0)], customer=[_quiet(30.0)])
    source = LiveSource(FileReplay.from_paths([wav], speed=1.0), FakeRecognizer)
    sink = CollectSink()
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink])
    before = set(threading.enumerate())
    session.start()
    got_partial = threading.Event()
    for _ in range(200):
        if any(isinstance(e, PartialText) for e in sink.snapshot()):
            got_partial.set()
            break
        got_partial.wait(0.05)
    assert got_partial.is_set()
    session.stop(reason="interrupted")
    assert session.wait(5)
    assert set(threading.enumerate()) <= before
    ended = sink.snapshot()[-1]
    assert ended.type_name == "call_ended" and ended.to_json()["reason"] == "interrupted"


def test_transcribe_files_orders_both_sides_by_start(tmp_path: Path) -> None:
    wav = _write_call(
        tmp_path / "c.wav",
        agent=[_speech(0.5), _quiet(2.0), _speech(0.5), _quiet(1.0)],
        customer=[_quiet(1.0), _speech(0.5), _quiet(2.5)],
    )
    tr = transcribe_files([wav], FakeRecognizer)
    assert [(f.speaker.value if f.speaker else "", f.start) for f in tr.finals] == [
        ("agent", 0.0),
        ("customer", 1.0),
        ("agent", 2.5),
    ]
    lines = tr.analyze_lines()
    assert lines[1] == {"call_id": "c", "speaker": "customer", "text": "您好请问有", "start": 1.0, "end": 1.5}
    assert _pipeline_threads() == []
