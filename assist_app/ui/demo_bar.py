"""Trainer demo bar: scenario picker, play/pause, step, speed 0.5×–4×, progress and trainer notes."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from assist_app.demo.scenario import Scenario

SPEEDS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


def scenario_section(frame: QFrame, title: str) -> tuple[QVBoxLayout, QComboBox]:
    """Lay ``frame`` out as a panel section headed by ``title`` and a scenario picker."""
    frame.setObjectName("section")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(8, 6, 8, 6)
    lay.setSpacing(4)
    head = QHBoxLayout()
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    head.addWidget(label)
    picker = QComboBox()
    head.addWidget(picker, 1)
    lay.addLayout(head)
    return lay, picker


class DemoBar(QFrame):
    """Emits the trainer's commands; the controller drives the scripted source."""

    scenario_changed = Signal(int)
    play_pause = Signal()
    step_requested = Signal()
    speed_changed = Signal(float)
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay, self.picker = scenario_section(self, "演示模式")
        self.picker.currentIndexChanged.connect(self.scenario_changed)
        self.info = QLabel("")
        self.info.setObjectName("muted")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        row = QHBoxLayout()
        # Qt's standard media icons, not "▶"/"⏸" characters: the CJK font has no ⏸ (it showed a box).
        self.play_button = QPushButton("播放")
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setObjectName("primary")
        self.play_button.setToolTip("播放/暂停（空格）")
        self.play_button.clicked.connect(self.play_pause)
        self.step_button = QPushButton("单步")
        self.step_button.setToolTip("播放下一句后暂停（→）")
        self.step_button.clicked.connect(self.step_requested)
        self.stop_button = QPushButton("结束")
        self.stop_button.setToolTip("结束本次演示并查看评分")
        self.stop_button.clicked.connect(self.stop_requested)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("播放速度")
        self.speed.currentIndexChanged.connect(self._on_speed_index)
        self.progress = QLabel("")
        self.progress.setObjectName("muted")
        for w in (self.play_button, self.step_button, self.stop_button, self.speed):
            row.addWidget(w)
        row.addWidget(self.progress, 1)
        lay.addLayout(row)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#6b4f1d;")
        self.note.hide()
        lay.addWidget(self.note)

    def set_scenarios(self, scenarios: list[Scenario]) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        for s in scenarios:
            self.picker.addItem(f"{s.title}（{s.difficulty_zh}）", s.id)
        self.picker.blockSignals(False)

    def show_scenario(self, s: Scenario) -> None:
        mins = int(s.duration // 60)
        secs = int(s.duration % 60)
        facts = f"{len(s.turns)} 句 · 约 {mins} 分 {secs:02d} 秒 · 难度：{s.difficulty_zh}"
        self.info.setText(f"{s.situation}\n{facts}")
        self.progress.setText("")
        self.note.hide()

    def set_state(self, *, playing: bool, paused: bool) -> None:
        pausing = playing and not paused
        self.play_button.setText("暂停" if pausing else "播放")
        self.play_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if pausing else QStyle.StandardPixmap.SP_MediaPlay))
        self.picker.setEnabled(not playing)
        self.info.setVisible(not playing)  # the situation is for picking; the call needs the room
        self.stop_button.setEnabled(playing)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setText(f"第 {done}/{total} 句")

    def select_index(self, index: int) -> None:
        """Show scenario ``index`` as picked (without a ``scenario_changed`` loop when it already is)."""
        if self.picker.currentIndex() != index:
            self.picker.setCurrentIndex(index)

    def clear_progress(self) -> None:
        self.progress.setText("")

    def set_note(self, text: str) -> None:
        self.note.setText(f"培训提示：{text}" if text else "")
        self.note.setVisible(bool(text))

    def _on_speed_index(self, index: int) -> None:
        self.speed_changed.emit(float(self.speed.itemData(index)))

    def speed_value(self) -> float:
        return float(self.speed.currentData())

    def set_speed(self, speed: float) -> None:
        best = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed.setCurrentIndex(best)
