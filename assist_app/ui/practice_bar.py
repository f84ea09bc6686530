"""Practice bar (layout only): trainee name, scenario, start/end, whose turn it is, and the reply
box used when there is no speech model (or no microphone). The controller decides what it shows."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from assist_app.demo.scenario import Scenario
from assist_app.ui.demo_bar import scenario_section


class PracticeBar(QFrame):
    """Emits the trainee's commands and typed replies."""

    scenario_changed = Signal(int)
    start_requested = Signal()
    stop_requested = Signal()
    reply_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay, self.picker = scenario_section(self, "练习模式")
        self.picker.currentIndexChanged.connect(self.scenario_changed)
        row = QHBoxLayout()
        self.trainee = QLineEdit()
        self.trainee.setPlaceholderText("学员姓名（用于记录成绩）")
        row.addWidget(self.trainee, 1)
        self.start_button = QPushButton("开始练习")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start_requested)
        self.stop_button = QPushButton("结束")
        self.stop_button.setToolTip("结束练习并查看评分")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setEnabled(False)
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        lay.addLayout(row)
        self.mode = QLabel("")
        self.mode.setObjectName("muted")
        self.mode.setWordWrap(True)
        lay.addWidget(self.mode)
        self.prompt = QLabel("")
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet("color:#2f6fb0; font-weight:bold;")
        self.prompt.hide()
        lay.addWidget(self.prompt)
        reply_row = QHBoxLayout()
        self.reply = QLineEdit()
        self.reply.setPlaceholderText("输入您要对客户说的话，按回车发送")
        self.reply.returnPressed.connect(self._submit)
        self.send_button = QPushButton("发送")
        self.send_button.clicked.connect(self._submit)
        reply_row.addWidget(self.reply, 1)
        reply_row.addWidget(self.send_button)
        self.reply_box = QWidget()
        self.reply_box.setLayout(reply_row)
        reply_row.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.reply_box)
        self.set_your_turn(None)

    def set_scenarios(self, scenarios: list[Scenario]) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        for s in scenarios:
            self.picker.addItem(f"{s.title}（{s.difficulty_zh}）", s.id)
        self.picker.blockSignals(False)

    def set_mode(self, text: str, *, typing: bool) -> None:
        """How the trainee answers (voice or typing, and why), shown under the buttons."""
        self.mode.setText(text)
        self.reply_box.setVisible(typing)

    def set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.start_button.setVisible(not running)
        self.stop_button.setEnabled(running)
        self.picker.setEnabled(not running)
        self.trainee.setEnabled(not running)
        if not running:
            self.set_your_turn(None)

    def set_your_turn(self, message: str | None) -> None:
        """``message``: the prompt while it is the trainee's turn; None while the customer talks."""
        self.prompt.setText(message or "")
        self.prompt.setVisible(bool(message))
        self.reply.setEnabled(bool(message))
        self.send_button.setEnabled(bool(message))
        if message and self.reply_box.isVisible():
            self.reply.setFocus()

    def reply_enabled(self) -> bool:
        """It is the trainee's turn: a typed reply is taken now."""
        return self.reply.isEnabled()

    def clear_reply(self) -> None:
        self.reply.clear()

    def trainee_name(self) -> str:
        return self.trainee.text().strip()

    def selected_index(self) -> int:
        """The scenario picked for the next practice (-1: none)."""
        return self.picker.currentIndex()

    def _submit(self) -> None:
        text = self.reply.text().strip()
        if text and self.reply.isEnabled():
            self.reply_submitted.emit(text)
