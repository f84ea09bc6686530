"""The call-record store's state in the panel (issue 13, item 1).

The store reports from its writer thread (``on_status``); those events go into a plain queue that a
GUI-thread timer drains (same rule as ``SessionBridge``: no cross-thread signals). A banner at the
top of the panel stays visible while records cannot be written, and says so calmly; closing the
window with records still unsaved asks first (they are kept in a journal file and saved at the next
start, ``store.journal``).
"""

from __future__ import annotations

import queue
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QVBoxLayout, QWidget

from assist_app.events import StatusEvent

# Codes that mean "records are not reaching the file" (the banner stays until store_recovered).
PROBLEM_CODES = frozenset({"store_unavailable", "store_too_new", "store_overflow", "store_spilled"})
# Codes worth telling once, without alarm.
INFO_CODES = frozenset({"store_corrupt", "store_replayed", "store_recovered"})


class StoreBanner(QFrame):
    """A calm, always-visible strip above the call bar; hidden while all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeBanner")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.label)
        self.problem = False
        self.hide()

    def show_problem(self, text: str) -> None:
        self.problem = True
        self.setStyleSheet("#storeBanner{background:#fff4d6; border:1px solid #d9a520; border-radius:4px;}")
        self.label.setText("⚠ " + text)
        self.show()

    def show_info(self, text: str) -> None:
        self.problem = False
        self.setStyleSheet("#storeBanner{background:#e8f3ea; border:1px solid #7fb38a; border-radius:4px;}")
        self.label.setText(text)
        self.show()


class StoreStatusWatcher(QObject):
    """Drains the store's status queue onto the banner; pass ``on_status`` to ``CallStore``."""

    POLL_MS = 250

    def __init__(self, banner: StoreBanner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.banner = banner
        self._queue: queue.SimpleQueue[StatusEvent] = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    def on_status(self, event: StatusEvent) -> None:
        """Called on the store's writer thread: only queues."""
        self._queue.put(event)

    def show_notices(self, notices: tuple[StatusEvent, ...]) -> None:
        for event in notices:
            self.apply(event)

    def drain(self) -> None:
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return
            self.apply(event)

    def apply(self, event: StatusEvent) -> None:
        if event.code in PROBLEM_CODES:
            self.banner.show_problem(event.message)
        elif event.code in INFO_CODES:
            self.banner.show_info(event.message)

    def stop(self) -> None:
        self._timer.stop()


def confirm_close_with_unsaved(parent: QWidget, store: Any) -> bool:
    """True when the window may close: nothing unsaved, or the agent chose to close anyway."""
    if store is None or store.buffered == 0:
        return True
    while True:
        store.flush(timeout=2.0)
        n = int(store.buffered)
        if n == 0:
            return True
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("通话记录尚未保存")
        box.setText(f"还有 {n} 条通话记录没能写入数据库。")
        box.setInformativeText("关闭后这些记录会另存到暂存文件，下次启动时自动补存。也可以再试一次保存。")
        close_btn = box.addButton("关闭并另存", QMessageBox.ButtonRole.AcceptRole)
        retry_btn = box.addButton("再试一次", QMessageBox.ButtonRole.ActionRole)
        box.addButton("不关闭", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry_btn)
        box.exec()
        clicked = box.clickedButton()
        if clicked is close_btn:
            return True
        if clicked is not retry_btn:
            return False
