"""Customer emotion view (label, intensity, cues, timeline) and conduct meters
(agent speaking rate against 180–200 字/分, interruptions, hold reminders)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from assist_app.events import EmotionLabel, EmotionReading
from assist_app.ui.theme import EMOTION_COLOURS
from assist_app.ui.timeline import EmotionTimeline

# The live panel keeps the last three minutes of the call in view; the review shows all of it.
LIVE_WINDOW_S = 180.0


def cue_line(cues: tuple[str, ...] | list[str]) -> str:
    """The cues as rich text that wraps between cues, never inside one (a cue like 找你们领导
    used to break across lines)."""
    if not cues:
        return ""
    items = "、".join(f"<span style='white-space:nowrap'>{html.escape(c)}</span>" for c in cues)
    return f"线索：{items}"


class EmotionPanel(QFrame):
    """Customer emotion now (label chip, intensity bar, cues) over its timeline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(3)
        row = QHBoxLayout()
        title = QLabel("客户情绪")
        title.setObjectName("sectionTitle")
        row.addWidget(title)
        self.chip = QLabel(EmotionLabel.NEUTRAL.label_zh)
        self.chip.setObjectName("chip")
        row.addWidget(self.chip)
        self.intensity = QProgressBar()
        self.intensity.setRange(0, 100)
        self.intensity.setTextVisible(False)
        self.intensity.setFixedHeight(8)
        row.addWidget(self.intensity, 1)
        lay.addLayout(row)
        self.cues = QLabel("")
        self.cues.setObjectName("muted")
        self.cues.setWordWrap(True)
        self.cues.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.cues)
        self.timeline = EmotionTimeline(window_s=LIVE_WINDOW_S)
        self.timeline.setFixedHeight(88)
        lay.addWidget(self.timeline)
        self.current: EmotionReading | None = None
        self._style_chip(EmotionLabel.NEUTRAL)

    def reset(self) -> None:
        self.current = None
        self.chip.setText(EmotionLabel.NEUTRAL.label_zh)
        self._style_chip(EmotionLabel.NEUTRAL)
        self.intensity.setValue(0)
        self.cues.setText("")
        self.timeline.reset()

    def show_reading(self, reading: EmotionReading, t: float) -> None:
        self.current = reading
        self.chip.setText(reading.label.label_zh)
        self._style_chip(reading.label)
        self.intensity.setValue(round(reading.intensity * 100))
        self.cues.setText(cue_line(reading.cues[:5]))
        self.timeline.add(t, reading)

    def _style_chip(self, label: EmotionLabel) -> None:
        colour = EMOTION_COLOURS[label]
        self.chip.setStyleSheet(f"background:{colour};")
        self.intensity.setStyleSheet(f"QProgressBar::chunk {{ background:{colour}; }}")


class ConductPanel(QFrame):
    """Speaking rate against the 180–200 字/分 band, interruptions and the last conduct note."""

    RATE_MAX = 320

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 5, 8, 5)
        grid.setVerticalSpacing(2)
        title = QLabel("语速")
        title.setObjectName("sectionTitle")
        title.setToolTip("坐席语速，标准每分钟 180–200 字（seed 000）")
        grid.addWidget(title, 0, 0)
        self.rate_bar = QProgressBar()
        self.rate_bar.setRange(0, self.RATE_MAX)
        self.rate_bar.setTextVisible(False)
        self.rate_bar.setFixedHeight(10)
        grid.addWidget(self.rate_bar, 0, 1)
        self.rate_label = QLabel("— 字/分")
        self.rate_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.rate_label, 0, 2)
        self.interrupt_label = QLabel("打断 0 次")
        self.interrupt_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.interrupt_label, 0, 3)
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.hide()
        grid.addWidget(self.note, 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        self.rate: float | None = None
        self.interruptions = 0

    def reset(self) -> None:
        self.rate = None
        self.interruptions = 0
        self.rate_bar.setValue(0)
        self.rate_label.setText("— 字/分")
        self.interrupt_label.setText("打断 0 次")
        self.note.setText("")
        self.note.hide()

    def set_rate(self, cpm: float, lo: float = 180, hi: float = 200) -> None:
        self.rate = cpm
        self.rate_bar.setValue(round(min(cpm, self.RATE_MAX)))
        if cpm > hi:
            verdict, colour = "偏快", "#d98b1e"
        elif cpm < lo:
            verdict, colour = "偏慢", "#2f6fb0"
        else:
            verdict, colour = "合适", "#3f9b5a"
        self.rate_label.setText(f"{cpm:.0f}字/分 {verdict}")
        self.rate_bar.setStyleSheet(f"QProgressBar::chunk {{ background:{colour}; }}")
        self.rate_bar.setToolTip(f"标准 {lo:.0f}–{hi:.0f} 字/分")

    def add_interruption(self) -> None:
        self.interruptions += 1
        self.interrupt_label.setText(f"打断 {self.interruptions} 次")

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
