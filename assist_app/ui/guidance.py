"""Guidance views: the formula stepper with its phrase drawer, suggestion cards, the banned-phrase
alert with its short history. Layout only; the controller feeds them engine events."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist_app.events import Flag, FormulaPosition, Phase, Severity, Suggestion
from assist_app.ui.theme import SEVERITY_OBJECT, SEVERITY_ZH, STEP_SHORT, mmss


def _repolish(w: QWidget) -> None:
    w.style().unpolish(w)
    w.style().polish(w)


@dataclass(frozen=True, slots=True)
class StepInfo:
    """What the stepper shows for one formula step (from the script library)."""

    phase: Phase
    name: str
    description: str
    phrases: tuple[str, ...]


class FormulaStepper(QFrame):
    """Seven chips (done / current / next / to do); clicking one opens its phrases below."""

    phrase_copy_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)
        title = QLabel("话术公式")
        title.setObjectName("sectionTitle")
        outer.addWidget(title)
        row = QHBoxLayout()
        row.setSpacing(3)
        self.buttons: dict[Phase, QPushButton] = {}
        for phase in Phase.steps():
            b = QPushButton(STEP_SHORT[phase])
            b.setObjectName("stepTodo")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.setMinimumWidth(36)
            b.clicked.connect(lambda _=False, p=phase: self.toggle_drawer(p))
            row.addWidget(b)
            self.buttons[phase] = b
        outer.addLayout(row)
        self.hint = QLabel("")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        outer.addWidget(self.hint)
        self.drawer = QFrame()
        self.drawer_layout = QVBoxLayout(self.drawer)
        self.drawer_layout.setContentsMargins(0, 2, 0, 0)
        self.drawer_layout.setSpacing(2)
        self.drawer.hide()
        outer.addWidget(self.drawer)
        self._steps: dict[Phase, StepInfo] = {}
        self._open: Phase | None = None
        self.position: FormulaPosition | None = None
        self.states: dict[Phase, str] = {p: "todo" for p in Phase.steps()}

    def set_steps(self, steps: list[StepInfo]) -> None:
        self._steps = {s.phase: s for s in steps}
        for phase, b in self.buttons.items():
            info = self._steps.get(phase)
            if info is not None:
                b.setToolTip(f"{info.name}：{info.description}")
        if self._open is not None:
            self._fill_drawer(self._open)

    def reset(self) -> None:
        self.position = None
        for phase in self.buttons:
            self._set_state(phase, "todo")
        self.hint.setText("")

    def set_position(self, pos: FormulaPosition) -> None:
        self.position = pos
        for phase in self.buttons:
            state = "todo"
            if phase in pos.done:
                state = "done"
            if phase is pos.next:
                state = "next"
            if phase is pos.current:
                state = "current"
            self._set_state(phase, state)
        cur = self._steps.get(pos.current)
        nxt = self._steps.get(pos.next) if pos.next else None
        parts = []
        if cur is not None:
            parts.append(f"当前：{cur.name}")
        if nxt is not None:
            parts.append(f"下一步：<b>{nxt.name}</b>")
        self.hint.setText("　".join(parts))
        self.hint.setToolTip(f"{nxt.name}：{nxt.description}" if nxt is not None else "")

    def _set_state(self, phase: Phase, state: str) -> None:
        self.states[phase] = state
        b = self.buttons[phase]
        mark = "✓" if state == "done" else ""
        b.setText(STEP_SHORT[phase] + mark)
        names = {"done": "stepDone", "current": "stepCurrent", "next": "stepNext"}
        b.setObjectName(names.get(state, "stepTodo"))
        _repolish(b)

    def toggle_drawer(self, phase: Phase) -> None:
        if self._open is phase:
            self._open = None
            self.drawer.hide()
            return
        self._open = phase
        self._fill_drawer(phase)
        self.drawer.show()

    @property
    def open_step(self) -> Phase | None:
        return self._open

    def _fill_drawer(self, phase: Phase) -> None:
        while self.drawer_layout.count():
            item = self.drawer_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        info = self._steps.get(phase)
        head = QLabel(f"<b>{phase.label_zh}</b>　{info.description if info else ''}")
        head.setWordWrap(True)
        self.drawer_layout.addWidget(head)
        for text in (info.phrases if info else ())[:6]:
            b = QPushButton(text)
            b.setToolTip("点击复制到剪贴板")
            b.setStyleSheet("text-align:left;")
            b.clicked.connect(lambda _=False, t=text: self.phrase_copy_requested.emit(t))
            self.drawer_layout.addWidget(b)
        if info is None or not info.phrases:
            self.drawer_layout.addWidget(QLabel("（话术库中没有这一步的话术）"))


class SuggestionCard(QFrame):
    """One suggested phrase with its step and reason; click (or Ctrl+N) copies it."""

    clicked = Signal()

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.setObjectName("card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 5, 8, 5)
        lay.setSpacing(2)
        self.head = QLabel()
        self.head.setObjectName("muted")
        self.text = QLabel()
        self.text.setWordWrap(True)
        lay.addWidget(self.head)
        lay.addWidget(self.text)
        self.suggestion: Suggestion | None = None
        self.used = False

    def show_suggestion(self, s: Suggestion) -> None:
        self.suggestion = s
        self.used = False
        reason = s.reason.split("→")[-1].strip() if "→" in s.reason else s.reason
        short = reason if len(reason) <= 16 else reason[:15] + "…"
        self.head.setText(f"<b>{s.step.label_zh}</b> · Ctrl+{self.number}　{short}")
        self.setToolTip(f"{s.reason}\n点击或按 Ctrl+{self.number} 复制")
        self.text.setText(s.text)
        self.setObjectName("card")
        _repolish(self)
        self.show()

    def mark_used(self) -> None:
        self.used = True
        if self.suggestion is not None:
            self.head.setText(f"<b>{self.suggestion.step.label_zh}</b> · 已复制 ✓")
        self.setObjectName("cardUsed")
        _repolish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class SuggestionPanel(QFrame):
    """The top 1–3 suggestions; emits ``copy_requested(index)`` when one is clicked."""

    copy_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(4)
        title = QLabel("建议话术")
        title.setObjectName("sectionTitle")
        lay.addWidget(title)
        self.empty = QLabel("通话开始后，这里会给出下一句可以说的话。")
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        self.cards: list[SuggestionCard] = []
        for i in range(3):
            card = SuggestionCard(i + 1)
            card.clicked.connect(lambda i=i: self.copy_requested.emit(i))
            card.hide()
            lay.addWidget(card)
            self.cards.append(card)
        self.history: list[Suggestion] = []  # everything ever offered this call (review, tests)

    def show_suggestions(self, suggestions: tuple[Suggestion, ...]) -> None:
        shown = suggestions[:3]
        for card, s in zip(self.cards, shown, strict=False):
            card.show_suggestion(s)
        for card in self.cards[len(shown):]:
            card.hide()
            card.suggestion = None
        self.empty.setVisible(not shown)
        self.history.extend(shown)

    def reset(self) -> None:
        self.show_suggestions(())
        self.history.clear()

    def shown_suggestion(self, index: int) -> Suggestion | None:
        """The suggestion card ``index`` (0-based) shows now, or None."""
        if not 0 <= index < len(self.cards):
            return None
        card = self.cards[index]
        return None if card.isHidden() else card.suggestion

    def mark_used(self, index: int) -> None:
        """Card ``index`` was copied: it says so."""
        if 0 <= index < len(self.cards):
            self.cards[index].mark_used()

    def visible_texts(self) -> list[str]:
        return [c.suggestion.text for c in self.cards if c.suggestion is not None and not c.isHidden()]


class AlertPanel(QFrame):
    """The banned-phrase / conduct alert: what was said, what to say instead, and a short history.

    It never takes focus or makes a sound; the colour of the left edge carries the severity.
    """

    HISTORY = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        self.banner = QFrame()
        self.banner.setObjectName("alertMedium")
        b = QVBoxLayout(self.banner)
        b.setContentsMargins(10, 6, 8, 6)
        b.setSpacing(2)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight:bold;")
        self.said = QLabel()
        self.said.setWordWrap(True)
        self.instead = QLabel()
        self.instead.setWordWrap(True)
        for w in (self.title, self.said, self.instead):
            b.addWidget(w)
        lay.addWidget(self.banner)
        self.history_list = QListWidget()
        self.history_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history_list.setMaximumHeight(42)
        self.history_list.setWordWrap(True)
        lay.addWidget(self.history_list)
        self.banner.hide()
        self.history_list.hide()
        self.current: Flag | None = None

    def reset(self) -> None:
        self.banner.hide()
        self.history_list.clear()
        self.history_list.hide()
        self.current = None

    def show_flag(self, flag: Flag, t: float, category: str = "", *, new: bool = True) -> None:
        """Show at once; ``new`` False (a repeat, see ``AlertLog``) leaves the history list as it is."""
        self.current = flag
        kind = "服务忌语" if flag.kind.value == "banned_phrase" else "服务规范"
        label = flag.message or category or flag.rule
        self.title.setText(f"{SEVERITY_ZH.get(flag.severity, '')}·{kind}：{label}　{mmss(t)}")
        self.said.setText(f"刚才说了：“{flag.matched}”" if flag.matched else "")
        self.said.setVisible(bool(flag.matched))
        self.instead.setText(f"建议说：{flag.replacement}" if flag.replacement else "")
        self.instead.setVisible(bool(flag.replacement))
        self.banner.setObjectName(SEVERITY_OBJECT.get(flag.severity, "alertMedium"))
        _repolish(self.banner)
        self.banner.show()
        if not new:
            return
        self.history_list.insertItem(0, f"{mmss(t)}  {label}：{flag.matched}")
        while self.history_list.count() > self.HISTORY:
            self.history_list.takeItem(self.history_list.count() - 1)
        self.history_list.setVisible(self.history_list.count() > 1)

    def show_notice(self, message: str, severity: Severity, t: float) -> None:
        """A conduct reminder (hold, rate…) in the same banner, without a replacement line."""
        self.title.setText(f"{SEVERITY_ZH.get(severity, '')}·提醒　{mmss(t)}")
        self.said.setText(message)
        self.said.show()
        self.instead.hide()
        self.banner.setObjectName(SEVERITY_OBJECT.get(severity, "alertLow"))
        _repolish(self.banner)
        self.banner.show()
