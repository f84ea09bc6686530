"""Live transcript view: one bubble per utterance; partials provisional (grey italic), finals solid,
flagged words highlighted in place."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from assist_app.ui.theme import FLAG_HIGHLIGHT, SPEAKER_COLOURS, mmss

SPEAKER_ZH = {"agent": "坐席", "customer": "客户"}
MAX_ENTRIES = 300


@dataclass
class _Entry:
    speaker: str
    text: str
    t: float
    final: bool
    spans: list[tuple[int, int]] = field(default_factory=list)
    label: QLabel | None = None


def render_entry(entry: _Entry) -> str:
    colour = SPEAKER_COLOURS.get(entry.speaker, "#52606d")
    head = (f"<span style='color:{colour};font-weight:bold'>{SPEAKER_ZH.get(entry.speaker, '')}</span>"
            f" <span style='color:#9aa5b1'>{mmss(entry.t)}</span><br>")
    text = entry.text
    body: list[str] = []
    marks = sorted((max(0, s), min(len(text), e)) for s, e in entry.spans if e > s)
    pos = 0
    for s, e in marks:
        if s < pos:
            s = pos
        if s >= e:
            continue
        body.append(html.escape(text[pos:s]))
        body.append(f"<span style='background:{FLAG_HIGHLIGHT};color:#8a1f17;font-weight:bold'>"
                    f"{html.escape(text[s:e])}</span>")
        pos = e
    body.append(html.escape(text[pos:]))
    joined = "".join(body)
    if not entry.final:
        joined = f"<span style='color:#9aa5b1;font-style:italic'>{joined}…</span>"
    return head + joined


class TranscriptView(QScrollArea):
    """Keeps one provisional bubble per speaker; a final replaces that speaker's provisional one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("root")
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)
        self.setWidget(inner)
        self._entries: list[_Entry] = []
        self._pending: dict[str, _Entry] = {}
        self._follow = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().rangeChanged.connect(self._on_range)

    # -- queries used by tests and the review --------------------------------------------------

    def finals(self) -> list[tuple[str, str]]:
        return [(e.speaker, e.text) for e in self._entries if e.final]

    def provisional(self) -> dict[str, str]:
        return {k: e.text for k, e in self._pending.items()}

    def highlighted(self) -> list[str]:
        return [e.text[s:t] for e in self._entries for s, t in e.spans]

    # -- updates -------------------------------------------------------------------------------

    def clear(self) -> None:
        for e in self._entries:
            if e.label is not None:
                e.label.deleteLater()
        self._entries.clear()
        self._pending.clear()

    def show_partial(self, speaker: str, text: str, t: float) -> None:
        entry = self._pending.get(speaker)
        if entry is None:
            entry = _Entry(speaker, text, t, final=False)
            self._pending[speaker] = entry
            self._add(entry)
        else:
            entry.text = text
        self._render(entry)

    def show_final(self, speaker: str, text: str, t: float) -> None:
        entry = self._pending.pop(speaker, None)
        if entry is None:
            entry = _Entry(speaker, text, t, final=True)
            self._add(entry)
        entry.text, entry.final = text, True
        self._render(entry)
        self._trim()

    def highlight(self, speaker: str, text: str, span: tuple[int, int]) -> bool:
        """Mark ``span`` of the latest utterance of ``speaker`` whose text is ``text`` (or the
        provisional one it grows from). Returns whether an utterance matched."""
        for entry in reversed(self._entries):
            if entry.speaker != speaker:
                continue
            if entry.text == text or (not entry.final and text.startswith(entry.text[: span[1]])):
                if span not in entry.spans:
                    entry.spans.append(span)
                    self._render(entry)
                return True
        return False

    def _add(self, entry: _Entry) -> None:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setObjectName("section")
        label.setContentsMargins(6, 3, 6, 3)
        align = Qt.AlignmentFlag.AlignRight if entry.speaker == "agent" else Qt.AlignmentFlag.AlignLeft
        entry.label = label
        self._entries.append(entry)
        self._layout.insertWidget(self._layout.count() - 1, label)
        label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)

    def _render(self, entry: _Entry) -> None:
        if entry.label is not None:
            entry.label.setText(render_entry(entry))

    def _trim(self) -> None:
        while len(self._entries) > MAX_ENTRIES:
            old = self._entries.pop(0)
            if old.label is not None:
                old.label.deleteLater()

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 8

    def _on_range(self, _lo: int, hi: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(hi)
