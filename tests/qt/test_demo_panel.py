"""A demo scenario plays to the end in the real panel and what the agent sees matches the scenario."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from assist_app.demo.expectations import flag_matches
from assist_app.events import (
    EmotionLabel,
    Flag,
    FlagKind,
    FlagRaised,
    Phase,
    Severity,
    Speaker,
    Suggestion,
    SuggestionEvent,
)
from assist_app.store.privacy import LiveMasker

ENDED_MS = 60_000


def play(qtbot: Any, controller: Any, scenario_id: str) -> Any:
    assert controller.select_scenario_id(scenario_id)
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS) as blocker:
        controller.start_demo(flat_out=True)
    return blocker.args[0]


@pytest.mark.parametrize("scenario_id", ["angry_bill", "polite_inquiry", "bad_agent"])
def test_scenario_plays_to_the_end_and_the_panel_shows_what_is_expected(panel: Any, qtbot: Any,
                                                                       scenario_id: str) -> None:
    window, controller = panel
    outcome = play(qtbot, controller, scenario_id)
    scenario = outcome.scenario
    assert scenario is not None and scenario.id == scenario_id

    # transcript: every turn, final, in order, numbers masked (隐去号码 is on by default); nothing
    # left provisional
    masker = LiveMasker(numbers=True)
    expected = [(t.speaker.value, masker.final(t.speaker.value, t.text)[0]) for t in scenario.turns]
    assert window.transcript.finals() == expected
    assert window.transcript.provisional() == {}

    # alerts: every expected flag was shown to the agent
    shown = [f for _, f in controller.live.alerts.shown]
    for turn in scenario.turns:
        for wanted in turn.expect.flags:
            assert any(flag_matches(f, wanted) for f in shown), f"{wanted} never shown: {shown}"
        if turn.expect.no_flags:
            assert not any(f.kind is FlagKind.BANNED_PHRASE and f.matched and f.matched in turn.text
                           for f in shown), turn.text

    # suggestions: for each turn expecting one, a card for one of those steps was offered
    offered = {s.step for s in window.suggestions.history}
    for turn in scenario.turns:
        if turn.expect.suggest:
            assert offered & set(turn.expect.suggest), f"turn {turn.index}: {offered}"

    # emotion: one point per customer turn, each expected label on its turn
    customer_turns = [t for t in scenario.turns if t.speaker is Speaker.CUSTOMER]
    points = window.emotion.timeline.points
    assert len(points) == len(customer_turns)
    for turn, (_, reading) in zip(customer_turns, points, strict=True):
        if turn.expect.emotions:
            assert reading.label in turn.expect.emotions, (turn.text, reading)

    # stepper: shows the engine's final position
    pos = controller.engine.position
    assert window.stepper.states[pos.current] == "current"
    assert all(window.stepper.states[p] == "done" for p in pos.done if p is not pos.current)

    # review: the score card shows the engine's score, within the scenario's bounds
    assert window.stack.currentWidget() is window.review
    score = outcome.score
    assert score is not None
    assert window.review.total.text() == f"{score.total:.0f}"
    if scenario.score_min is not None:
        assert score.total >= scenario.score_min
    if scenario.score_max is not None:
        assert score.total <= scenario.score_max
    assert window.review.flags_list.count() >= 1
    assert window.review.timeline.points == points


def test_angry_customer_turns_the_emotion_red_and_opens_a_complaint_work_order(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    outcome = play(qtbot, controller, "angry_bill")
    labels = [r.label for _, r in window.emotion.timeline.points]
    assert EmotionLabel.COMPLAINT_ESCALATION in labels
    draft = window.review.draft()
    assert draft.is_complaint and draft.follow_up is not None
    assert draft.phone and "*" in draft.phone and draft.phone.endswith("5678")  # masked by default
    assert draft.caller_title == "先生"
    assert outcome.draft.summary


def test_bad_agent_highlights_the_banned_words_in_the_transcript(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    play(qtbot, controller, "bad_agent")
    marked = window.transcript.flagged_words()
    assert any("不归我管" in m or "归我管" in m for m in marked), marked
    assert window.conduct.interruptions >= 1
    assert window.conduct.rate is not None


def test_flag_is_on_screen_as_soon_as_its_event_is_drained(panel: Any) -> None:
    window, controller = panel
    flag = Flag(rule="shirk.not_my_job", kind=FlagKind.BANNED_PHRASE, severity=Severity.HIGH, span=(0, 5),
                matched="这不归我管", message="推诿客户", replacement="这个问题我帮您联系相关部门处理。")
    controller.bridge.dispatch(FlagRaised(t=12.0, speaker=Speaker.AGENT, flag=flag, text="这不归我管", final=False))
    # no event-loop turn in between: the banner is already showing the words and the replacement
    assert window.alert.banner.isVisible()
    assert "这不归我管" in window.alert.said.text()
    assert "相关部门" in window.alert.instead.text()
    assert not window.alert.banner.hasFocus() and window.alert.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_suggestion_hotkey_copies_the_phrase_and_marks_it_used(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    sugs = (Suggestion(Phase.SOOTHING, "非常抱歉给您带来不便。", "客户情绪激动"),
            Suggestion(Phase.ASKING, "请问您的手机号码是多少？", "确认身份"))
    controller.bridge.dispatch(SuggestionEvent(t=3.0, speaker=Speaker.CUSTOMER, suggestions=sugs))
    assert window.suggestions.visible_texts() == [s.text for s in sugs]
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "请问您的手机号码是多少？"
    assert window.suggestions.cards[1].used and not window.suggestions.cards[0].used
    qtbot.mouseClick(window.suggestions.cards[0], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "非常抱歉给您带来不便。"
    assert window.suggestions.cards[0].used


def test_pause_and_step_in_the_window(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    assert controller.select_scenario_id("polite_inquiry")
    controller.demo_step()  # start paused and play exactly one turn
    qtbot.waitUntil(lambda: len(window.transcript.finals()) == 1, timeout=15_000)
    assert window.demo_bar.progress.text().startswith("第 1/")
    controller.set_speed(4.0)
    controller.demo_step()
    qtbot.waitUntil(lambda: len(window.transcript.finals()) == 2, timeout=15_000)
    assert controller.source.paused
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS):
        controller.end_call()
    assert window.stack.currentWidget() is window.review


def test_clicking_a_step_shows_its_phrases(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    qtbot.mouseClick(window.stepper.buttons[Phase.SOOTHING], Qt.MouseButton.LeftButton)
    assert window.stepper.open_step is Phase.SOOTHING
    assert window.stepper.drawer.isVisible()
    texts = [window.stepper.drawer_layout.itemAt(i).widget().text()
             for i in range(1, window.stepper.drawer_layout.count())]
    soothing = controller.library.formula.step(Phase.SOOTHING)
    assert texts and len(texts) == min(6, len(soothing.phrases))
    qtbot.mouseClick(window.stepper.buttons[Phase.SOOTHING], Qt.MouseButton.LeftButton)
    assert not window.stepper.drawer.isVisible()


def test_compact_mode_keeps_only_what_matters_mid_sentence(panel: Any) -> None:
    window, _controller = panel
    window.compact_box.setChecked(True)
    assert not window.transcript.isVisible() and not window.emotion.isVisible()
    assert window.suggestions.isVisible() and window.stepper.isVisible() and window.call_bar.isVisible()
    window.compact_box.setChecked(False)
    assert window.transcript.isVisible() and window.emotion.isVisible()
    window.pin_box.setChecked(True)
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert window.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
