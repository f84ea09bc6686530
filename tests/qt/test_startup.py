"""Start-up shows a painted window at once and loads behind it (issue 12.20)."""

from __future__ import annotations

import time
from typing import Any

from assist_app.ui.app import PanelStartup, ensure_app
from assist_app.ui.settings import AppSettings


def slow(value: Any, seconds: float = 0.6) -> Any:
    def load() -> Any:
        time.sleep(seconds)
        return value

    return load


def test_window_is_up_before_the_library_has_loaded(qtbot: Any, shipped_library: Any) -> None:
    ensure_app(13)
    startup = PanelStartup(AppSettings(), with_live=False, load_library=slow(shipped_library),
                           load_scenarios=slow(([], [])), store_opener=lambda _db, _s: None)
    qtbot.addWidget(startup.window)
    began = time.monotonic()
    startup.start()
    assert time.monotonic() - began < 0.3  # nothing heavy before the window is up
    assert startup.window.isVisible()
    assert "正在载入" in startup.window.call_bar.status_label.text()
    assert not startup.window.call_bar.call_button.isEnabled()
    with qtbot.waitSignal(startup.ready, timeout=10_000):
        pass
    controller = startup.controller
    assert controller is not None and controller.library is shipped_library
    assert startup.window.demo_button.isEnabled() and startup.window.settings_button.isEnabled()
    assert "正在载入" not in startup.window.call_bar.status_label.text()
    startup.window.close()
    startup.shutdown()


def test_closing_while_loading_leaves_nothing_running(qtbot: Any, shipped_library: Any) -> None:
    ensure_app(13)
    startup = PanelStartup(AppSettings(), with_live=False, load_library=slow(shipped_library, 0.3),
                           store_opener=lambda _db, _s: None)
    qtbot.addWidget(startup.window)
    startup.start()
    startup.window.close()
    startup.shutdown()
    assert startup.controller is None
