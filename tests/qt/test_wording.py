"""No untranslated or internal text in front of users (issue 12.17)."""

from __future__ import annotations

from typing import Any

from assist_app.demo.scenario import shown_note
from assist_app.ui.errors import user_message

from .test_practice_panel import practice_panel  # noqa: F401 - fixture


def test_library_errors_are_worded_in_chinese() -> None:
    class PortAudioError(Exception):
        pass

    assert "音频设备" in user_message(PortAudioError("Error opening InputStream [PaErrorCode -9996]"))
    message = user_message(PermissionError(13, "Permission denied", "/etc/x.json"), "设置文件")
    assert message.startswith("没有权限") and "Permission" not in message
    assert "Traceback" not in user_message(ValueError("bad"), "模型安装")


def test_trainee_hints_carry_no_source_references(practice_panel: Any, qtbot: Any) -> None:  # noqa: F811
    assert shown_note("查询较长时每15秒向客户通报进展（seed 001）。") == "查询较长时每15秒向客户通报进展。"
    window, controller, _store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("long_hold"))
    scenario = next(s for s in controller.scenarios if s.id == "long_hold")
    replies = [t.text for t in scenario.turns if t.speaker.value == "agent"]
    prompts = []
    with qtbot.waitSignal(controller.call_finished, timeout=60_000):
        controller.start_practice(pace=None)
        for text in replies:
            qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=10_000)
            prompts.append(bar.prompt.text())
            controller.submit_reply(text)
    assert any("提示" in p for p in prompts)
    assert not any("seed" in p for p in prompts), prompts


def test_self_test_and_analyze_speak_one_language() -> None:
    from assist_app.analysis.engine import GuidanceEngine
    from assist_app.commands.analyze import DEFAULT_CALL, format_text
    from assist_app.events import Speaker, Utterance
    from assist_app.library import load_library
    from assist_app.selftest import CheckResult, Status

    for status in Status:
        line = CheckResult("library", "话术库", status, "共 7 步", 0.1).line
        assert not any(word in line for word in ("ok", "FAILED", "skipped")), line

    engine = GuidanceEngine(load_library(), call_id=DEFAULT_CALL)
    greeting = Utterance(Speaker.AGENT, "您好，请问有什么可以帮您？", DEFAULT_CALL, 0)
    text = format_text(engine.analyze_utterance(greeting))
    assert text.startswith("第 1 句 坐席：") and "#" not in text.splitlines()[0]
