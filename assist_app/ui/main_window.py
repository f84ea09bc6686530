"""The agent panel window (layout only): call bar, demo bar, alert, suggestions, stepper, emotion,
conduct and transcript on the live page; the post-call review on the second page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from assist_app.ui.call_bar import CallBar
from assist_app.ui.demo_bar import DemoBar
from assist_app.ui.guidance import AlertPanel, FormulaStepper, SuggestionPanel
from assist_app.ui.meters import ConductPanel, EmotionPanel
from assist_app.ui.practice_bar import PracticeBar
from assist_app.ui.review import ReviewView
from assist_app.ui.transcript import TranscriptView


class MainWindow(QMainWindow):
    """A narrow, resizable side panel; ``closing`` lets the controller stop a call first."""

    closing = Signal()
    pin_changed = Signal(bool)  # 置顶 changed (header box or settings): the controller saves it

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("坐席助手")
        self.resize(420, 960)
        self.setMinimumWidth(340)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)

        live = QWidget()
        live.setObjectName("root")
        lay = QVBoxLayout(live)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)

        tools = QHBoxLayout()
        tools.setSpacing(4)
        self.title = QLabel("坐席助手")
        self.title.setStyleSheet("font-weight:bold; font-size:15px; color:#2f6fb0;")
        tools.addWidget(self.title)
        tools.addStretch(1)
        self.demo_button = QPushButton("演示")
        self.demo_button.setCheckable(True)
        self.demo_button.setToolTip("培训演示模式：播放内置场景")
        self.practice_button = QPushButton("练习")
        self.practice_button.setCheckable(True)
        self.practice_button.setToolTip("练习模式：您扮演坐席，场景扮演客户，结束后评分")
        self.history_button = QPushButton("记录")
        self.history_button.setToolTip("通话记录：查找历史通话，查看回顾，修改工单")
        self.settings_button = QPushButton("设置")
        self.pin_box = QCheckBox("置顶")
        self.pin_box.setToolTip("窗口总在最前")
        self.compact_box = QCheckBox("精简")
        self.compact_box.setToolTip("只显示提醒、建议和话术公式")
        for tool in (self.demo_button, self.practice_button, self.history_button, self.settings_button, self.pin_box,
                     self.compact_box):
            tool.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            tools.addWidget(tool)
        lay.addLayout(tools)

        self.call_bar = CallBar()
        self.demo_bar = DemoBar()
        self.demo_bar.hide()
        self.practice_bar = PracticeBar()
        self.practice_bar.hide()
        self.alert = AlertPanel()
        self.suggestions = SuggestionPanel()
        self.stepper = FormulaStepper()
        self.emotion = EmotionPanel()
        self.conduct = ConductPanel()
        self.transcript = TranscriptView()
        self.transcript.setMinimumHeight(90)
        for w in (self.call_bar, self.demo_bar, self.practice_bar, self.alert, self.suggestions, self.stepper,
                  self.emotion, self.conduct):
            lay.addWidget(w)
        lay.addWidget(self.transcript, 1)
        self.live_page = live
        self.stack.addWidget(live)

        self.review = ReviewView()
        self.stack.addWidget(self.review)
        self.compact_box.toggled.connect(self.set_compact)

    def show_live(self) -> None:
        self.stack.setCurrentWidget(self.live_page)

    def show_review(self) -> None:
        self.stack.setCurrentWidget(self.review)

    def set_compact(self, compact: bool) -> None:
        for w in (self.emotion, self.conduct, self.transcript):
            w.setVisible(not compact)
        if self.compact_box.isChecked() != compact:
            self.compact_box.setChecked(compact)

    def set_always_on_top(self, on: bool) -> None:
        """Pin or unpin the window. Changing a window flag re-creates the native window and hides
        it (Qt documents this), so visibility is read *before* the change and restored after it;
        checking ``isVisible()`` afterwards left the window unmapped for good (issue 12.1)."""
        if self.pin_box.isChecked() != on:
            self.pin_box.blockSignals(True)
            self.pin_box.setChecked(on)
            self.pin_box.blockSignals(False)
        pinned = bool(self.windowFlags() & Qt.WindowType.WindowStaysOnTopHint)
        if pinned == on:
            return
        was_visible = self.isVisible()
        geometry = self.geometry()
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        # Alerts must never steal focus: even when pinned the window does not activate itself.
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        if was_visible:
            self.setGeometry(geometry)
            self.show()
        self.pin_changed.emit(on)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
