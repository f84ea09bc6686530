"""Typed practice (issue 12.9): the time spent typing is not the customer waiting, and the call
opens with a greeting prompt and a greeting suggestion, not "请回应客户" to a silent line."""

from __future__ import annotations

import time
from typing import Any

from .test_practice_panel import ENDED_MS, practice_panel  # noqa: F401 - fixture

SPEED = 20.0  # the practice's clock runs 20× faster: 1.5 s of typing is 30 s of call time


def fast_clock() -> float:
    return time.monotonic() * SPEED


def test_typing_time_is_not_a_wait_and_the_call_opens_with_a_greeting(practice_panel: Any, qtbot: Any) -> None:  # noqa: F811
    window, controller, _store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("bad_agent_hold"))
    scenario = next(s for s in controller.scenarios if s.id == "bad_agent_hold")
    replies = [t.text for t in scenario.turns if t.speaker.value == "agent"]
    controller.start_practice(pace=1.0, clock=fast_clock)
    qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=10_000)
    assert "请先问候客户" in bar.prompt.text() and "请回应客户" not in bar.prompt.text()
    [greeting] = window.suggestions.visible_texts()
    assert greeting.startswith("您好")
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS):
        for text in replies:
            qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=20_000)
            qtbot.wait(1500)  # the trainee types slowly: 30 s of call time on the practice clock
            controller.submit_reply(text)
    waits = [f.message for _, f in controller.live.alerts.shown
             if f.rule in ("conduct.hold_without_ask", "conduct.silence", "conduct.hold_too_long")]
    assert waits == []
    assert controller.outcome is not None
    assert all("未征得同意" not in m.problem for m in controller.practice_score.moments)
