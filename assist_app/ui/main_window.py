"""The agent panel window (layout only): call bar, demo bar, alert, suggestions, stepper, emotion,
conduct and transcript on the live page; the post-call review on the second page."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
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
from assist_app.ui.store_status import StoreBanner
from assist_app.ui.transcript import TranscriptView

PREFERRED = (420, 860)
FRAME_ALLOWANCE = 40  # title bar and borders the window manager adds around the window
NO_MAX = 16_777_215  # QWIDGETSIZE_MAX


def fitting_size() -> tuple[int, int]:
    """The opening size: 420 wide and as tall as the screen's free area allows, up to 860.

    On a 1366×768 screen with a taskbar (≈728 free) this gives 688; at 1920×1080 with 150 %
    scaling (1280×720 logical) about 640. Qt's own default was 420×960: taller than both.
    """
    screen = QApplication.primaryScreen()
    if screen is None:
        return PREFERRED
    free = screen.availableGeometry()
    return (min(PREFERRED[0], free.width()), max(480, min(PREFERRED[1], free.height() - FRAME_ALLOWANCE)))


class MainWindow(QMainWindow):
    """A narrow, resizable side panel; ``closing`` lets the controller stop a call first."""

    closing = Signal()
    pin_changed = Signal(bool)  # 置顶 changed (header box or settings): the controller saves it

    def __init__(self) -> None:
        super().__init__()
        # Asked before closing (e.g. records not yet saved); False keeps the window open.
        self.close_guard: Callable[[], bool] | None = None
        self.setWindowTitle("坐席助手")
        self.resize(*fitting_size())
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.live_page = self._live_page()
        self._compact = False
        self._full_height = 0  # the window's height before 精简, restored after it
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit_compact)
        watched: tuple[QWidget, ...] = (
            self.alert, self.body, self.store_banner, self.call_bar, self.demo_bar, self.practice_bar
        )
        for watched_widget in watched:
            watched_widget.installEventFilter(self)  # content grew or shrank: 精简 fits the window to it again
        self.stack.addWidget(self.live_page)

        self.review = ReviewView()
        self.stack.addWidget(self.review)
        self.compact_box.toggled.connect(self.set_compact)

    def _header(self) -> QHBoxLayout:
        """The title and the tool buttons: 演示 练习 记录 设置 置顶 精简."""
        tools = QHBoxLayout()
        tools.setSpacing(2)
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
            # The mode toggles never take focus: Space on a focused 演示/练习 left the mode mid-call.
            mode_toggle = tool in (self.demo_button, self.practice_button)
            tool.setFocusPolicy(Qt.FocusPolicy.NoFocus if mode_toggle else Qt.FocusPolicy.TabFocus)
            tool.setObjectName("tool")  # narrower padding: the header fits the 340 px minimum width
            tools.addWidget(tool)
        return tools

    def _live_page(self) -> QWidget:
        """Call bar, demo/practice bars and alert in view; suggestions, stepper, emotion, conduct
        and transcript in a scroll area below them."""
        live = QWidget()
        live.setObjectName("root")
        lay = QVBoxLayout(live)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addLayout(self._header())

        self.store_banner = StoreBanner()
        lay.addWidget(self.store_banner)
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
        # The bars and the alert stay in view; the rest scrolls, so the window fits a 1366×768
        # screen in every state and never grows by itself when a bar or an alert appears (12.3).
        for w in (self.call_bar, self.demo_bar, self.practice_bar, self.alert):
            lay.addWidget(w)
        body = QWidget()
        body.setObjectName("root")
        body_lay = QVBoxLayout(body)
        body_lay.setContentsMargins(0, 0, 0, 0)
        body_lay.setSpacing(6)
        for card in (self.suggestions, self.stepper, self.emotion, self.conduct):
            body_lay.addWidget(card)
        body_lay.addWidget(self.transcript, 1)
        # Takes the spare height only when the transcript (stretch 1) is hidden: in 精简 the cards
        # keep their own height instead of stretching apart.
        body_lay.addStretch(0)
        self.body = body
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_scroll.setMinimumHeight(120)
        self.body_scroll.setWidget(body)
        lay.addWidget(self.body_scroll, 1)
        lay.addStretch(0)  # the same for the page: spare height stays below the cards in 精简
        # The alert is as tall as its text, never more (it grew to ~360 px in 精简).
        self.alert.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        return live

    def set_mode_buttons(self, *, demo: bool, practice: bool) -> None:
        """The 演示/练习 toggles show the panel's mode (their ``toggled`` only fires on a change)."""
        if self.demo_button.isChecked() != demo:
            self.demo_button.setChecked(demo)
        if self.practice_button.isChecked() != practice:
            self.practice_button.setChecked(practice)

    def show_live(self) -> None:
        self.stack.setCurrentWidget(self.live_page)
        if self._compact:
            self._refit.start()

    def show_review(self) -> None:
        # The review needs room: it opens at the full height even in 精简.
        if self._compact and self._full_height and self.height() < self._full_height:
            self.resize(self.width(), self._full_height)
        self.stack.setCurrentWidget(self.review)

    def set_compact(self, compact: bool) -> None:
        """精简: only the call bar, alert, suggestions and the formula stepper; the window shrinks
        to them and grows back to its earlier height when 精简 is switched off (issue 12.12)."""
        if self.compact_box.isChecked() != compact:
            self.compact_box.setChecked(compact)  # comes back here through ``toggled``
            return
        if compact == self._compact:
            return
        self._compact = compact
        for w in (self.emotion, self.conduct, self.transcript):
            w.setVisible(not compact)
        if compact:
            self._full_height = self.height()
            self.alert.history_list.setMaximumHeight(0)  # earlier alerts are secondary here
            self._fit_compact()
            return
        self.alert.history_list.setMaximumHeight(42)
        self.body_scroll.setMaximumHeight(NO_MAX)
        self.body_scroll.setMinimumHeight(120)
        if self._full_height > self.height():
            self.resize(self.width(), self._full_height)

    def _fit_compact(self) -> None:
        """Size the live page to what 精简 shows: the body exactly as tall as its cards, the window
        as tall as the page (within the screen's free height)."""
        if not self._compact or self.stack.currentWidget() is not self.live_page:
            return
        body_h = self.body.sizeHint().height()
        self.body_scroll.setMinimumHeight(min(120, body_h))
        self.body_scroll.setMaximumHeight(body_h)
        page = self.live_page.layout()
        if page is None:
            return
        page.activate()
        want = page.sizeHint().height()
        screen = QApplication.primaryScreen()
        if screen is not None:
            want = min(want, screen.availableGeometry().height() - FRAME_ALLOWANCE)
        if want != self.height():
            self.resize(self.width(), max(want, self.minimumSizeHint().height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._compact and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Show, QEvent.Type.Hide):
            self._refit.start()
        return super().eventFilter(watched, event)

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
        if self.close_guard is not None and not self.close_guard():
            event.ignore()
            return
        self.closing.emit()
        super().closeEvent(event)
