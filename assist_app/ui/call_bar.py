"""Call bar view: start/end button, call and hold timers, device/model status, level meters."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from assist_app.ui.theme import mmss

DB_FLOOR = -60.0


class LevelMeter(QProgressBar):
    """A thin horizontal meter of dBFS (−60…0) for one channel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 100)
        self.setValue(0)
        self.setTextVisible(False)
        self.setFixedHeight(8)

    def set_dbfs(self, dbfs: float) -> None:
        frac = (max(DB_FLOOR, min(0.0, dbfs)) - DB_FLOOR) / -DB_FLOOR
        self.setValue(round(frac * 100))


class CallBar(QFrame):
    """The top bar; emits ``toggle_call`` when the start/end button is pressed."""

    toggle_call = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)

        self.call_button = QPushButton("开始通话")
        self.call_button.setObjectName("primary")
        self.call_button.setToolTip("开始/结束通话（Ctrl+Enter）")
        self.call_button.clicked.connect(self.toggle_call)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("timer")
        self.timer_label.setToolTip("通话时长")
        self.hold_label = QLabel("")
        self.hold_label.setObjectName("muted")
        top = QHBoxLayout()
        top.setSpacing(10)  # "00:00" used to touch 开始通话
        top.addWidget(self.call_button)
        top.addWidget(self.timer_label)
        top.addWidget(self.hold_label)
        top.addStretch(1)
        grid.addLayout(top, 0, 0, 1, 4)

        self.agent_meter = LevelMeter()
        self.customer_meter = LevelMeter()
        grid.addWidget(QLabel("坐席"), 1, 0)
        grid.addWidget(self.agent_meter, 1, 1)
        grid.addWidget(QLabel("客户"), 1, 2)
        grid.addWidget(self.customer_meter, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.status_label = QLabel("")
        self.status_label.setObjectName("status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.status_label, 2, 0, 1, 4)

    def set_in_call(self, in_call: bool) -> None:
        self.call_button.setText("结束通话" if in_call else "开始通话")
        self.call_button.setObjectName("danger" if in_call else "primary")
        self.call_button.style().unpolish(self.call_button)
        self.call_button.style().polish(self.call_button)

    def set_call_time(self, seconds: float) -> None:
        self.timer_label.setText(mmss(seconds))

    def set_hold(self, seconds: float | None, limit: float = 30.0) -> None:
        """Hold countdown: remaining seconds to the limit, or cleared when not on hold."""
        if seconds is None:
            self.hold_label.setText("")
            return
        left = limit - seconds
        text = f"保持中 {mmss(seconds)}" + (f"（还剩 {int(left)} 秒）" if left > 0 else "（已超时）")
        self.hold_label.setText(text)

    def set_can_call(self, enabled: bool, tooltip: str) -> None:
        """Whether 开始/结束通话 can be pressed now, and what its tooltip says about it."""
        self.call_button.setEnabled(enabled)
        self.call_button.setToolTip(tooltip)

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def set_level(self, speaker: str, dbfs: float) -> None:
        (self.agent_meter if speaker == "agent" else self.customer_meter).set_dbfs(dbfs)
