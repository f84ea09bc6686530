"""Scenario audio: every bundled scenario has its two-channel Mandarin audio, small enough to ship,
and the live pipeline's acoustic cues hear what the script says (an upset customer is louder)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assist_app.audio.blocks import AudioBlock
from assist_app.audio.levels import dbfs
from assist_app.audio.replay import FileReplay
from assist_app.demo.audio import ScenarioAudioSource, call_audio, write_call_audio
from assist_app.demo.scenario import Scenario, load_scenarios
from assist_app.demo.source import ScriptedTranscriptSource, plan_timings
from assist_app.events import Event, FinalText, LevelEvent, Speaker
from assist_app.pipeline.acoustics import AcousticTracker
from assist_app.resources import scenarios_dir
from tests.unit.pipeline.fakes import FakeRecognizer

SCENARIOS = load_scenarios()
MAX_AUDIO_BYTES = 20 * 1024 * 1024


class RecordingPlayer:
    def __init__(self) -> None:
        self.played: list[int] = []
        self.stops = 0

    def play(self, samples: np.ndarray, rate: int) -> None:
        assert rate == 16_000 and samples.dtype == np.float32 and len(samples) > 0
        self.played.append(len(samples))

    def stop(self) -> None:
        self.stops += 1


def test_every_scenario_has_audio_and_all_of_it_is_small() -> None:
    assert all(s.has_audio for s in SCENARIOS), [s.id for s in SCENARIOS if not s.has_audio]
    size = sum(p.stat().st_size for p in (scenarios_dir() / "audio").rglob("*") if p.is_file())
    assert 0 < size <= MAX_AUDIO_BYTES


def _loudness_by_turn(scenario: Scenario, tmp_path: Path) -> dict[int, float | None]:
    """Replay the call audio through FileReplay and the acoustic tracker, as a live call would be."""
    wav = write_call_audio(scenario, tmp_path / "call.wav")
    tracker = AcousticTracker()

    def on_block(block: AudioBlock) -> None:
        tracker.observe(block.speaker, block.t, block.end, dbfs(block.samples))

    FileReplay.stereo(wav, speed=0).run(on_block, lambda _e: None, threading.Event())
    out = {}
    for turn, tm in zip(scenario.turns, plan_timings(scenario), strict=True):
        if turn.speaker is Speaker.CUSTOMER:
            out[turn.index] = tracker.features(Speaker.CUSTOMER, tm.start, tm.end, turn.text).loudness_rel_db
    return out


@pytest.mark.parametrize("scenario_id", ["bad_agent", "privacy_lookup"])
def test_customer_is_louder_than_their_baseline_on_the_angry_turns(scenario_id: str, tmp_path: Path) -> None:
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    rel = _loudness_by_turn(scenario, tmp_path)
    loud = [t for t in scenario.turns if t.index in rel and (t.loudness_db or 0) >= 5]
    calm = [t for t in scenario.turns if t.index in rel and t.loudness_db is None]
    assert loud and calm
    for turn in loud:
        value = rel[turn.index]
        assert value is not None and value >= 3.0, (turn.text, value)
    for turn in calm[1:]:  # the first has no baseline yet
        value = rel[turn.index]
        assert value is not None and value < 3.0, (turn.text, value)


def test_call_audio_puts_each_side_on_its_channel() -> None:
    scenario = next(s for s in SCENARIOS if s.id == "polite_inquiry")
    audio = call_audio(scenario)
    first = plan_timings(scenario)[0]  # the agent's greeting
    seg = audio[int(first.start * 16_000) : int(first.end * 16_000)]
    assert np.sqrt(np.mean(seg[:, 0] ** 2)) > 0.01  # agent on the left
    assert np.sqrt(np.mean(seg[:, 1] ** 2)) < 0.001  # customer silent on the right


def test_scripted_source_plays_each_turn_clip_in_order_at_1x() -> None:
    scenario = next(s for s in SCENARIOS if s.id == "wrong_number")
    ticks = iter(range(0, 10**9, 1000))  # a clock that is always past due: 1× pacing, no waiting
    player = RecordingPlayer()
    source = ScriptedTranscriptSource(scenario, speed=1.0, clock=lambda: float(next(ticks)), player=player)
    events: list[Event] = []
    source.run(events.append, threading.Event())
    assert source.clips_played == list(range(len(scenario.turns)))
    assert len(player.played) == len(scenario.turns) and player.stops >= 1
    assert sum(isinstance(e, FinalText) for e in events) == len(scenario.turns)


def test_scripted_source_stays_silent_when_sped_up() -> None:
    scenario = next(s for s in SCENARIOS if s.id == "wrong_number")
    player = RecordingPlayer()
    ScriptedTranscriptSource(scenario, speed=None, player=player).run(lambda _e: None, threading.Event())
    assert player.played == []


def test_audio_source_runs_the_call_through_levels_and_recognizers() -> None:
    scenario = next(s for s in SCENARIOS if s.id == "wrong_number")
    events: list[Event] = []
    source = ScenarioAudioSource(scenario, lambda: FakeRecognizer, speed=0)
    source.run(events.append, threading.Event())
    finals = [e for e in events if isinstance(e, FinalText)]
    assert {e.speaker for e in finals} == {Speaker.AGENT, Speaker.CUSTOMER}
    first_agent = next(e for e in finals if e.speaker is Speaker.AGENT)
    greeting = plan_timings(scenario)[0]
    assert first_agent.start is not None and abs(first_agent.start - greeting.start) < 0.5
    levels = [e for e in events if isinstance(e, LevelEvent) and e.voiced]
    assert {e.speaker for e in levels} == {Speaker.AGENT, Speaker.CUSTOMER}
