"""A speech model chosen in 设置 → 模型 is used by the next call, without a restart (issue 12.2),
and without one the panel says so and 开始通话 is off (12.18)."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from assist_app.events import FinalText, Speaker
from assist_app.ui.settings import AppSettings


class OneLineSource:
    """Stands in for the microphones: one agent line, then the call ends."""

    name = "fake-live"

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings

    def run(self, emit: Any, stop: threading.Event) -> None:
        emit(FinalText(t=1.0, speaker=Speaker.AGENT, text="您好，请问有什么可以帮您？", start=0.2, end=1.0))


def build(qtbot: Any, library: Any, model_folder: Path) -> tuple[Any, Any, list[AppSettings]]:
    from assist_app.ui.app import ensure_app
    from assist_app.ui.controller import PanelController
    from assist_app.ui.main_window import MainWindow

    ensure_app(13)
    asked: list[AppSettings] = []

    def speech_model(s: AppSettings) -> Path | None:
        asked.append(s)
        return model_folder if s.model_dir == str(model_folder) else None

    window = MainWindow()
    qtbot.addWidget(window)
    controller = PanelController(window, library=library, live_source_factory=OneLineSource,
                                 practice_voice=lambda s: None, speech_model=speech_model,
                                 demo_asr=lambda s: None)
    window.show()
    return window, controller, asked


def test_a_model_chosen_in_settings_is_used_by_the_next_call(qtbot: Any, shipped_library: Any,
                                                             tmp_path: Path) -> None:
    window, controller, asked = build(qtbot, shipped_library, tmp_path)
    bar = window.call_bar
    assert not bar.call_button.isEnabled()
    assert "未安装语音模型" in bar.status_label.text() and "设置 → 模型" in bar.status_label.text()
    controller.set_practice_mode(True)
    assert "未安装语音模型" in window.practice_bar.mode.text()
    controller.set_practice_mode(False)

    controller.apply_settings(replace(controller.settings, model_dir=str(tmp_path), agent_device="headset"))
    assert bar.call_button.isEnabled()
    assert "未安装" not in bar.status_label.text()
    controller.set_practice_mode(True)
    assert "麦克风" in window.practice_bar.mode.text() and not window.practice_bar.reply_box.isVisible()
    controller.set_practice_mode(False)
    with qtbot.waitSignal(controller.call_finished, timeout=10_000):
        bar.call_button.click()
    assert isinstance(controller.source, OneLineSource)
    assert asked[-1].model_dir == str(tmp_path)  # looked up with the settings of the call
    controller.shutdown()
    window.close()


def test_a_demo_asks_for_the_model_of_the_current_settings(qtbot: Any, shipped_library: Any, tmp_path: Path) -> None:
    from assist_app.demo.scenario import load_scenarios
    from assist_app.ui.app import ensure_app
    from assist_app.ui.controller import PanelController
    from assist_app.ui.main_window import MainWindow

    ensure_app(13)
    asked: list[str] = []

    def demo_asr(s: AppSettings) -> None:
        asked.append(s.model_dir)
        return None  # no model there: the demo is read from its script

    window = MainWindow()
    qtbot.addWidget(window)
    scenarios = [s for s in load_scenarios() if s.has_audio]
    controller = PanelController(window, library=shipped_library, scenarios=scenarios, demo_asr=demo_asr)
    window.show()
    controller.apply_settings(replace(controller.settings, model_dir=str(tmp_path)))
    controller.start_demo(speed=4.0)
    with qtbot.waitSignal(controller.call_finished, timeout=10_000):
        controller.end_call()
    assert asked == [str(tmp_path)]
    controller.shutdown()
    window.close()


def test_the_call_gets_the_model_folder_found_when_it_starts(qtbot: Any, shipped_library: Any, tmp_path: Path,
                                                            monkeypatch: Any) -> None:
    """设置 → 模型 may name the folder as typed (``~/…``); the call's source gets the folder the
    readiness check found at the moment the call started, not the text and not a start-up value."""
    from assist_app.ui.app import ensure_app
    from assist_app.ui.controller import PanelController
    from assist_app.ui.main_window import MainWindow

    ensure_app(13)
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "cn-model"

    def speech_model(s: AppSettings) -> Path | None:  # like speech_sources.speech_model: files only
        found = Path(s.model_dir).expanduser() if s.model_dir else None
        return found if found is not None and found.is_dir() else None

    window = MainWindow()
    qtbot.addWidget(window)
    controller = PanelController(window, library=shipped_library, live_source_factory=OneLineSource,
                                 speech_model=speech_model)
    window.show()
    controller.apply_settings(replace(controller.settings, model_dir="~/cn-model"))
    assert not window.call_bar.call_button.isEnabled()  # nothing there yet
    folder.mkdir()  # installed while the panel is open
    controller.apply_settings(replace(controller.settings, font_size=controller.settings.font_size))
    assert window.call_bar.call_button.isEnabled()
    with qtbot.waitSignal(controller.call_finished, timeout=10_000):
        window.call_bar.call_button.click()
    assert isinstance(controller.source, OneLineSource)
    assert controller.source.settings.model_dir == str(folder)
    assert controller.settings.model_dir == "~/cn-model"  # the settings themselves are kept as typed
    controller.shutdown()
    window.close()
