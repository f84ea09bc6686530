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


def test_space_plays_and_pauses_the_demo_and_never_leaves_demo_mode(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, controller = panel
    controller.set_demo_mode(True)
    controller.select_scenario_id("angry_bill")
    window.activateWindow()
    for focused in (window.demo_button, window.demo_bar.speed, window.demo_bar.play_button):
        focused.setFocus()  # whichever control has focus (the toggle cannot take it)
    assert window.demo_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtbot.keyClick(window.demo_bar.play_button, Qt.Key.Key_Space)  # starts
    qtbot.waitUntil(lambda: controller.session is not None and controller.session.running, timeout=3000)
    qtbot.keyClick(window.demo_bar.play_button, Qt.Key.Key_Space)  # pauses
    assert controller.source.paused
    assert controller.demo_mode and window.demo_button.isChecked()
    qtbot.keyClick(window.demo_bar.speed, Qt.Key.Key_Space)  # resumes, even from the speed box
    assert not controller.source.paused
    assert controller.demo_mode
    with qtbot.waitSignal(controller.call_finished, timeout=10_000) as ended:
        window.demo_bar.stop_button.click()
    outcome = ended.args[0]
    assert outcome.ended_early
    assert "提前结束" in window.review.title.text()
    assert "提前结束" in window.review.total_note.text()
    closing = next(i for i in outcome.score.items if i.key == "closing")
    if closing.points == 0:  # never reached: not marked down for it
        from PySide6.QtWidgets import QLabel

        grid = window.review.items_grid
        texts = [w.text() for i in range(grid.count()) if isinstance(w := grid.itemAt(i).widget(), QLabel)]
        assert "未涉及" in texts


def test_space_still_types_in_the_practice_reply(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, controller = panel
    controller.set_practice_mode(True)
    reply = window.practice_bar.trainee
    reply.setFocus()
    qtbot.keyClicks(reply, "wang li")
    assert reply.text() == "wang li"
    assert controller.practice_mode


def test_a_demo_ended_early_is_stored_as_such_without_a_score(qtbot, shipped_library, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assist_app.store import CallStore
    from assist_app.ui.app import build_panel, ensure_app

    ensure_app(13)
    with CallStore(tmp_path / "calls.db") as store:
        window, controller = build_panel(library=shipped_library, store=store, with_live=False)
        qtbot.addWidget(window)
        window.show()
        controller.select_scenario_id("angry_bill")
        controller.start_demo(speed=4.0)
        qtbot.waitUntil(lambda: len(window.transcript.finals()) >= 2, timeout=20_000)
        with qtbot.waitSignal(controller.call_finished, timeout=10_000) as ended:
            controller.end_call()
        call_id = ended.args[0].saved_call_id
        controller.shutdown()
        window.close()
        store.flush()
        [row] = [c for c in store.list_calls() if c.id == call_id]
        assert row.status_zh == "提前结束"
        assert row.score is None


def _is_clean(window) -> bool:  # type: ignore[no-untyped-def]
    return (window.transcript.finals() == [] and window.alert.history_list.count() == 0
            and not window.alert.banner.isVisible()
            and window.suggestions.visible_texts() == [] and window.emotion.timeline.points == []
            and window.call_bar.timer_label.text() == "00:00")


def test_each_call_scenario_and_mode_starts_clean(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, controller = panel

    def play(scenario_id: str) -> None:
        controller.select_scenario_id(scenario_id)
        with qtbot.waitSignal(controller.call_finished, timeout=60_000):
            controller.start_demo(flat_out=True)
        assert not _is_clean(window)

    play("bad_agent")
    window.review.back_button.click()  # 返回面板 after the call
    assert window.stack.currentWidget() is window.live_page and _is_clean(window)
    play("bad_agent")
    window.show_live()
    controller.select_scenario_id("angry_bill")  # a new scenario
    assert _is_clean(window)
    play("bad_agent")
    window.show_live()
    window.practice_button.click()  # opening 练习
    assert _is_clean(window)
