"""Practice mode in the real panel, typed path (no speech model): the trainee types each reply,
sees the same guidance as in a call, and gets a score card that is recorded for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from assist_app.events import Speaker

ENDED_MS = 60_000


@pytest.fixture
def practice_panel(qtbot: Any, shipped_library: Any, tmp_path: Path) -> Any:
    from assist_app.store import CallStore
    from assist_app.ui.app import build_panel, ensure_app

    ensure_app(13)
    store = CallStore(tmp_path / "calls.db")
    window, controller = build_panel(library=shipped_library, with_live=False, store=store)
    qtbot.addWidget(window)
    window.show()
    yield window, controller, store
    controller.shutdown()
    window.close()
    store.close()


def type_replies(qtbot: Any, window: Any, controller: Any, replies: list[str]) -> Any:
    bar = window.practice_bar
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS) as blocker:
        controller.start_practice(pace=None)
        for text in replies:
            qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=10_000)
            bar.reply.setText(text)  # (QTest.keyClicks aborts on CJK text: it only types Latin-1 keys)
            qtbot.keyClick(bar.reply, Qt.Key.Key_Return)
            assert bar.reply.text() == ""  # accepted: the box is ready for the next turn
    return blocker.args[0]


def test_trainee_types_replies_and_gets_a_recorded_score(practice_panel: Any, qtbot: Any) -> None:
    window, controller, store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    assert bar.isVisible() and not window.demo_bar.isVisible()
    # without a model the app says why the trainee types
    assert "未安装语音模型" in bar.mode.text() and bar.reply_box.isVisible()
    assert not bar.reply.isEnabled()  # not the trainee's turn before the call starts
    bar.picker.setCurrentIndex(bar.picker.findData("angry_bill"))
    bar.trainee.setText("小张")
    scenario = next(s for s in controller.scenarios if s.id == "angry_bill")
    replies = [t.text for t in scenario.turns if t.speaker is Speaker.AGENT]
    replies[2] = "这不归我管，你自己去营业厅查。"  # a banned phrase in place of asking for the number

    outcome = type_replies(qtbot, window, controller, replies)

    # the same guidance as a real call: the customer's turns, the trainee's, the alert, soothing offered
    assert window.transcript.finals()[:2] == [("agent", replies[0]), ("customer", scenario.turns[1].text)]
    assert any(f.rule.startswith("shirk") for _, f in controller.live.alerts.shown)
    assert "soothing" in {s.step.value for s in window.suggestions.history}
    # the score card: weighted score, the costly moment with the better phrase, pass/fail
    score = controller.practice_score
    assert score is not None and outcome.scenario.id == "angry_bill"
    assert window.stack.currentWidget() is window.review
    assert window.review.title.text().startswith("练习评分")
    assert window.review.total.text() == f"{score.total:.0f}"
    assert window.review.practice_frame.isVisible()
    moments = [window.review.moments_list.item(i).text() for i in range(window.review.moments_list.count())]
    shirk = [m for m in moments if "不归我管" in m]
    assert shirk and "更好的说法" in shirk[0] and "参考说法" in shirk[0]
    assert not bar.stop_button.isEnabled() and bar.start_button.isEnabled()
    # recorded for the trainee (saved off the GUI thread, issue 11)
    qtbot.waitUntil(lambda: not controller.saves.busy, timeout=10_000)
    store.flush()
    sessions = store.list_trainee_sessions("小张")
    assert len(sessions) == 1 and sessions[0].scenario_id == "angry_bill"
    assert sessions[0].score == pytest.approx(score.total)


def test_typing_out_of_turn_is_ignored_and_ending_early_still_scores(practice_panel: Any, qtbot: Any) -> None:
    window, controller, _store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("wrong_number"))
    controller.start_practice(pace=None)
    qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=10_000)
    greeting = "您好！很高兴为您服务，请问有什么可以帮助您？"
    controller.submit_reply(greeting)
    assert not bar.reply.isEnabled()  # taken: the customer speaks next
    controller.submit_reply("这句不该出现")  # out of turn: ignored
    qtbot.waitUntil(lambda: len(window.transcript.finals()) >= 2, timeout=10_000)
    finals = window.transcript.finals()
    assert finals[0] == ("agent", greeting) and finals[1][0] == "customer"
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS):
        controller.end_call()
    assert all(text != "这句不该出现" for _, text in window.transcript.finals())
    assert controller.practice_score is not None and not controller.practice_score.passed
    assert "未完成" in window.review.practice_result.text()
    # demo mode and practice mode exclude each other
    window.demo_button.click()
    assert not window.practice_button.isChecked() and not bar.isVisible()


def test_the_practice_customer_escalates_after_a_shirking_reply(practice_panel: Any, qtbot: Any) -> None:
    from assist_app.events import EmotionLabel

    window, controller, _store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("angry_bill"))
    scenario = next(s for s in controller.scenarios if s.id == "angry_bill")
    replies = [t.text for t in scenario.turns if t.speaker is Speaker.AGENT]
    replies[2] = "这不归我管，你找别的部门去"
    type_replies(qtbot, window, controller, replies)
    customer = [text for who, text in window.transcript.finals() if who == "customer"]
    # after being brushed off the customer does not say "对，就是这个号" and calm down
    assert scenario.turns[5].if_bad in customer and scenario.turns[5].text not in customer
    labels = [r.label for _, r in controller.live.emotions]
    escalated = customer.index(scenario.turns[5].if_bad)
    assert labels[escalated] is EmotionLabel.COMPLAINT_ESCALATION
