"""The scripted source: partials grow into finals, pacing follows the speed, pause/step work."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from assist_app.demo.scenario import parse_scenario
from assist_app.demo.source import ScriptedTranscriptSource, plan_timings
from assist_app.events import Event, FinalText, LevelEvent, PartialText, Speaker

SCRIPT = {
    "id": "tiny",
    "title": "小场景",
    "situation": "测试",
    "turns": [
        {"speaker": "agent", "text": "您好，很高兴为您服务。", "pause": 0.2},
        {"speaker": "customer", "text": "我想查一下我的话费账单。", "pause": 0.5, "loudness": 6},
        {"speaker": "agent", "text": "好的，请您稍等。", "pause": 0.3, "overlap": 0.5, "rate": 240},
    ],
}


def tiny():  # type: ignore[no-untyped-def]
    return parse_scenario(SCRIPT, "tiny.yaml")


def collect(src: ScriptedTranscriptSource) -> list[Event]:
    out: list[Event] = []
    src.run(out.append, threading.Event())
    return out


def test_partials_are_growing_prefixes_then_the_final_text() -> None:
    scenario = tiny()
    events = collect(ScriptedTranscriptSource(scenario, speed=None))
    finals = [e for e in events if isinstance(e, FinalText)]
    assert [f.text for f in finals] == [t.text for t in scenario.turns]
    for turn in scenario.turns:
        partials = [e.text for e in events if isinstance(e, PartialText) and turn.text.startswith(e.text)
                    and e.speaker is turn.speaker]
        assert partials, turn.text
        assert all(len(a) < len(b) for a, b in itertools.pairwise(partials))
        assert all(len(p) < len(turn.text) for p in partials)
    ts = [e.t for e in events]
    assert ts == sorted(ts)
    # finals carry start/end at the script's pace and acoustic cues
    f0, f1, f2 = finals
    assert f0.start is not None and f0.end is not None
    assert f0.end - f0.start == pytest.approx(len(f0.text) * 60 / 190, abs=0.01)
    assert f1.acoustic is not None and f1.acoustic.loudness_rel_db == 6
    assert f2.acoustic is not None and f2.acoustic.rate_cpm == 240
    assert f2.acoustic.overlap_s and f2.acoustic.overlap_s >= 0.4  # it started before the customer ended


def test_levels_cover_both_channels_and_follow_who_speaks() -> None:
    scenario = tiny()
    events = collect(ScriptedTranscriptSource(scenario, speed=None))
    timings = plan_timings(scenario)
    levels = [e for e in events if isinstance(e, LevelEvent)]
    assert {e.speaker for e in levels} == {Speaker.AGENT, Speaker.CUSTOMER}
    mid = (timings[1].start + timings[1].end) / 2
    near = [e for e in levels if abs(e.t - mid) < 0.06]
    by = {e.speaker: e for e in near}
    assert by[Speaker.CUSTOMER].voiced and not by[Speaker.AGENT].voiced
    assert by[Speaker.CUSTOMER].dbfs > by[Speaker.AGENT].dbfs + 20


def test_speed_scales_wall_time_lower_bound() -> None:
    scenario = tiny()
    duration = plan_timings(scenario)[-1].end
    t0 = time.monotonic()
    collect(ScriptedTranscriptSource(scenario, speed=4.0))
    elapsed = time.monotonic() - t0
    assert elapsed >= duration / 4.0 * 0.9  # never faster than the speed asks for


def test_pause_step_resume_and_stop() -> None:
    scenario = tiny()
    src = ScriptedTranscriptSource(scenario, speed=None)
    src.pause()
    got: list[Event] = []
    first_final = threading.Event()
    lock = threading.Lock()

    def emit(e: Event) -> None:
        with lock:
            got.append(e)
        if isinstance(e, FinalText):
            first_final.set()

    stop = threading.Event()
    th = threading.Thread(target=src.run, args=(emit, stop))
    th.start()
    try:
        assert not first_final.wait(0.3)  # paused: nothing final is played
        src.step()
        assert first_final.wait(5)
        # after the step it stays paused on the first final
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            assert src.finals_emitted == 1
            time.sleep(0.02)
        assert src.paused
        src.resume()
        th.join(5)
        assert not th.is_alive()
        with lock:
            assert [e.text for e in got if isinstance(e, FinalText)] == [t.text for t in scenario.turns]
    finally:
        stop.set()
        th.join(5)


def test_stop_returns_promptly_even_when_paused() -> None:
    src = ScriptedTranscriptSource(tiny(), speed=1.0)
    src.pause()
    stop = threading.Event()
    th = threading.Thread(target=src.run, args=(lambda e: None, stop))
    th.start()
    stop.set()
    th.join(2)
    assert not th.is_alive()


def test_bad_speed_is_rejected() -> None:
    with pytest.raises(ValueError):
        ScriptedTranscriptSource(tiny(), speed=0)
