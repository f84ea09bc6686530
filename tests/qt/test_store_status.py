"""Issue 13 item 1 in the panel: the agent sees when records cannot be saved, closing asks, and the
call is in the database after the next start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from assist_app.store import CallStore
from assist_app.ui.app import build_panel, ensure_app, watch_store
from assist_app.ui.main_window import MainWindow
from assist_app.ui.settings import AppSettings
from assist_app.ui.store_status import StoreStatusWatcher


def _answer(text: str, seen: list[str]) -> None:
    """Click the button labelled ``text`` in the message box that is about to open."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for button in box.findChildren(QPushButton):
            if button.text() == text:
                button.click()
                return

    QTimer.singleShot(20, click)


def test_unsaved_call_is_shown_asked_about_and_saved_at_next_start(
    qtbot: Any, shipped_library: Any, tmp_path: Path
) -> None:
    ensure_app(13)
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be: nothing can be written")
    journals = [tmp_path / "spill"]
    window = MainWindow()
    watcher = StoreStatusWatcher(window.store_banner, window)
    store = CallStore(blocker / "calls.db", on_status=watcher.on_status, journal_dirs=journals)
    window, controller = build_panel(AppSettings(), store=store, library=shipped_library, with_live=False,
                                     window=window)
    watch_store(window, watcher, store)
    qtbot.addWidget(window)
    window.show()
    try:
        banner = window.store_banner
        assert banner.isVisible() and banner.problem
        assert "无法写入通话记录数据库" in banner.label.text()
        assert controller.select_scenario_id("angry_bill")
        with qtbot.waitSignal(controller.call_finished, timeout=60_000):
            controller.start_demo(flat_out=True)
        qtbot.waitUntil(lambda: store.buffered > 0, timeout=5_000)
        asked: list[str] = []
        _answer("不关闭", asked)
        window.close()
        assert window.isVisible() and asked and "没能写入数据库" in asked[0]
        _answer("关闭并另存", asked)
        window.close()
        assert not window.isVisible()
    finally:
        controller.shutdown()
        watcher.stop()
        store.close()
    assert store.spilled_to is not None and store.lost == 0
    blocker.unlink()
    blocker.mkdir()  # the folder can be written again: the next start saves the call
    with CallStore(blocker / "calls.db", journal_dirs=journals) as again:
        [call] = again.list_calls()
        assert call.utterance_count > 0


def test_a_store_that_could_not_open_at_all_is_shown(qtbot: Any, shipped_library: Any) -> None:
    ensure_app(13)
    window = MainWindow()
    watcher = StoreStatusWatcher(window.store_banner, window)
    window, controller = build_panel(AppSettings(), store=None, library=shipped_library, with_live=False,
                                     window=window)
    watch_store(window, watcher, None)
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.store_banner.isVisible()
        assert "不会被记录" in window.store_banner.label.text()
    finally:
        controller.shutdown()
        watcher.stop()
