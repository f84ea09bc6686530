"""What the panel learns during a call arrives as events (issue 11): the hold timer follows
``HoldChanged``, and a demo's trainer notes follow the scenario turn, also when the recogniser
heard other words than the script's."""

from __future__ import annotations

from typing import Any

from assist_app.demo.scenario import shown_note
from assist_app.demo.source import plan_timings
from assist_app.events import CallStarted, FinalText, HoldChanged, LevelEvent, Speaker


def test_the_hold_timer_follows_hold_events(panel: Any) -> None:
    window, controller = panel
    controller.reset_views()
    dispatch = controller.bridge.dispatch
    dispatch(LevelEvent(t=5.0, speaker=Speaker.AGENT, dbfs=-30.0, voiced=True))
    assert window.call_bar.hold_label.text() == ""
    dispatch(HoldChanged(t=8.0, since=8.0))
    dispatch(LevelEvent(t=20.0, speaker=Speaker.CUSTOMER, dbfs=-60.0, voiced=False))
    assert window.call_bar.hold_label.text().startswith("保持中 00:12")
    assert "还剩 18 秒" in window.call_bar.hold_label.text()
    dispatch(LevelEvent(t=40.0, speaker=Speaker.CUSTOMER, dbfs=-60.0, voiced=False))
    assert "已超时" in window.call_bar.hold_label.text()
    dispatch(HoldChanged(t=41.0, since=None))
    assert window.call_bar.hold_label.text() == ""


def test_demo_notes_follow_the_turn_when_the_words_were_misheard(panel: Any) -> None:
    window, controller = panel
    assert controller.select_scenario_id("bad_agent")
    scenario = controller.scenario
    timings = plan_timings(scenario)
    noted = [(turn, tm) for turn, tm in zip(scenario.turns, timings, strict=True) if turn.note]
    assert noted
    heard = [CallStarted(t=0.0, call_id="demo-test", source="demo-audio")]
    for turn, tm in zip(scenario.turns, timings, strict=True):
        # what a recogniser gives: other characters, segment edges a little off the script's
        heard.append(FinalText(t=tm.end + 0.3, speaker=turn.speaker, text="识别" + "嗯" * len(turn.text),
                               start=tm.start + 0.15, end=tm.end + 0.2))
    turn, tm = noted[0]
    index = scenario.turns.index(turn)
    controller.replay(heard[: index + 2])  # up to and including the noted turn
    assert window.demo_bar.note.text().endswith(shown_note(turn.note))
    assert window.demo_bar.progress.text().startswith(f"第 {index + 1}/{len(scenario.turns)}")
