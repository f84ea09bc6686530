"""Saving the score and the work order never blocks the window (issue 11): the store's calls wait
for its writer thread (up to 30 s), so the panel makes them from a worker thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from assist_app.store import CallStore
from assist_app.ui.app import build_panel, ensure_app


class SlowStore:
    """A real store whose score and work-order saves wait until the test lets them through (a
    slow or locked disk), and which notes the thread they ran on."""

    def __init__(self, store: CallStore) -> None:
        self._store = store
        self.gate = threading.Event()
        self.threads: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def _slow(self, name: str, *args: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        assert self.gate.wait(10.0)
        return getattr(self._store, name)(*args)

    def save_score(self, *args: Any) -> Any:
        return self._slow("save_score", *args)

    def save_work_order(self, *args: Any) -> Any:
        return self._slow("save_work_order", *args)


def test_a_slow_store_does_not_freeze_the_review(qtbot: Any, shipped_library: Any, tmp_path: Path) -> None:
    ensure_app(13)
    with CallStore(tmp_path / "calls.db") as real:
        store = SlowStore(real)
        window, controller = build_panel(store=store, library=shipped_library, with_live=False)
        qtbot.addWidget(window)
        window.show()
        try:
            controller.select_scenario_id("angry_bill")
            with qtbot.waitSignal(controller.call_finished, timeout=60_000) as ended:
                controller.start_demo(flat_out=True)
            outcome = ended.args[0]
            # the review is up while the score is still being written
            assert window.stack.currentWidget() is window.review and not store.gate.is_set()
            review = window.review
            qtbot.mouseClick(review.work_order.save_button, Qt.MouseButton.LeftButton)
            assert review.work_order.save_status.text() == "正在保存…"
            # the window still works meanwhile: back to the panel and to the review again
            review.back_button.click()
            assert window.stack.currentWidget() is window.live_page
            controller.show_last_review()
            assert window.stack.currentWidget() is window.review
            store.gate.set()
            qtbot.waitUntil(lambda: review.work_order.save_status.text().startswith("已保存"), timeout=10_000)
            qtbot.waitUntil(lambda: not controller.saves.busy, timeout=10_000)
            assert store.threads and threading.main_thread().name not in store.threads
            real.flush()
            record = real.get_call(outcome.saved_call_id)
            assert record is not None and record.score is not None and record.work_order is not None
        finally:
            store.gate.set()
            controller.shutdown()
            window.close()
