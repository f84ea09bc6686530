"""The panel window as agents live with it (issue 12): pinning, signals, saved header toggles."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assist_app.ui.app import quit_on_signals
from assist_app.ui.settings import AppSettings


def test_pinning_and_unpinning_keeps_the_window_shown(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, controller = panel
    for on in (True, False, True):
        window.pin_box.setChecked(on)
        assert window.isVisible()
        assert bool(window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint) is on
    controller.apply_settings(replace(controller.settings, always_on_top=False))  # 设置 → 窗口总在最前 off
    assert window.isVisible()
    assert not window.pin_box.isChecked()
    assert not window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint


def test_header_pin_and_compact_are_saved_like_the_settings(panel) -> None:  # type: ignore[no-untyped-def]
    window, controller = panel
    saved: list[AppSettings] = []
    controller.settings_saver = saved.append
    window.pin_box.setChecked(True)
    window.compact_box.setChecked(True)
    assert saved[-1].always_on_top and saved[-1].compact
    assert controller.settings.always_on_top and controller.settings.compact
    window.compact_box.setChecked(False)
    assert not saved[-1].compact and saved[-1].always_on_top


def test_sigterm_quits_even_when_the_window_is_hidden(panel, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window, _controller = panel
    window.hide()  # what a vanished (unmapped) window looks like to Qt
    app = QApplication.instance()
    quits: list[int] = []
    monkeypatch.setattr(app, "quit", lambda: quits.append(1))
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    pulse = quit_on_signals(app, window)  # type: ignore[arg-type]
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: bool(quits), timeout=3000)
    finally:
        pulse.stop()
        pulse.deleteLater()
        for s, handler in previous.items():
            signal.signal(s, handler)
