"""Live transcript view: one bubble per utterance; partials provisional (grey italic), finals solid,
flagged words highlighted in place."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QTextBrowser, QWidget

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


FLAG_STYLE = f"background:{FLAG_HIGHLIGHT};color:#8a1f17;font-weight:bold"


def marked_html(text: str, marks: Iterable[tuple[int, int, str]]) -> str:
    """``text`` escaped for HTML, each (start, end, css) mark in a styled span. Marks go by start,
    then end, then as listed; where they overlap, the earlier one keeps the characters."""
    out: list[str] = []
    pos = 0
    for s, e, style in sorted(marks, key=lambda m: (m[0], m[1])):
        s = max(s, pos)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<span style='{style}'>{html.escape(text[s:e])}</span>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def speaker_head(speaker: str, t: float, note: str = "") -> str:
    """The speaker's name in their colour, then the call time (and ``note``) in grey."""
    colour = SPEAKER_COLOURS.get(speaker, "#52606d")
    return (f"<span style='color:{colour};font-weight:bold'>{SPEAKER_ZH.get(speaker, '')}</span>"
            f" <span style='color:#9aa5b1'>{mmss(t)}{note}</span>")


def bubble(speaker: str, inner: str) -> str:
    """One utterance's paragraph: the agent's on the right, the customer's on the left."""
    align = "right" if speaker == "agent" else "left"
    return f"<p align='{align}' style='margin:0 0 6px 0'>{inner}</p>"


def render_entry(entry: _Entry) -> str:
    body = marked_html(entry.text, ((s, e, FLAG_STYLE) for s, e in entry.spans))
    if not entry.final:
        body = f"<span style='color:#9aa5b1;font-style:italic'>{body}…</span>"
    return speaker_head(entry.speaker, entry.t) + "<br>" + body


class TranscriptBrowser(QTextBrowser):
    """A transcript as one rich-text document, wrapped to the panel's width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        self.setOpenLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().setDocumentMargin(6)


class TranscriptView(TranscriptBrowser):
    """Keeps one provisional entry per speaker; a final replaces that speaker's provisional one.

    One rich-text document (not a label per turn): Qt wraps and sizes it correctly at any panel
    width, and re-rendering a few hundred short entries costs well under a millisecond.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[_Entry] = []
        self._pending: dict[str, _Entry] = {}
        self._empty_text = "通话内容会实时显示在这里。"
        self._stick = True  # follow the newest line unless the agent scrolled up to read
        self.verticalScrollBar().rangeChanged.connect(self._on_range)
        self._render_all()

    # -- queries used by tests and the review --------------------------------------------------


    def sizeHint(self) -> QSize:
        # It takes whatever room is left (stretch); a small preferred height keeps the panel's
        # scroll area from scrolling by a few pixels when everything would fit (QTextBrowser's
        # default hint is 256×192).
        return QSize(super().sizeHint().width(), 120)
    def finals(self) -> list[tuple[str, str]]:
        return [(e.speaker, e.text) for e in self._entries if e.final]

    def provisional(self) -> dict[str, str]:
        return {k: e.text for k, e in self._pending.items()}

    def flagged_words(self) -> list[str]:
        return [e.text[s:t] for e in self._entries for s, t in e.spans]

    # -- updates -------------------------------------------------------------------------------

    def clear_entries(self) -> None:
        self._entries.clear()
        self._pending.clear()
        self._render_all()

    def show_partial(self, speaker: str, text: str, t: float) -> None:
        entry = self._pending.get(speaker)
        if entry is None:
            entry = _Entry(speaker, text, t, final=False)
            self._pending[speaker] = entry
            self._entries.append(entry)
        else:
            entry.text = text
        self._render_all()

    def show_final(self, speaker: str, text: str, t: float) -> None:
        entry = self._pending.pop(speaker, None)
        if entry is None:
            entry = _Entry(speaker, text, t, final=True)
            self._entries.append(entry)
        entry.text, entry.final = text, True
        del self._entries[:-MAX_ENTRIES]
        self._render_all()

    def correct_final(self, speaker: str, back: int, text: str) -> bool:
        """Replace the text of the ``back``-th final of ``speaker`` counted from the latest (0)."""
        mine = [e for e in reversed(self._entries) if e.final and e.speaker == speaker]
        if back >= len(mine) or len(mine[back].text) != len(text):
            return False  # masking keeps lengths; anything else is not a correction of this entry
        mine[back].text = text
        self._render_all()
        return True

    def highlight(self, speaker: str, text: str, span: tuple[int, int]) -> bool:
        """Mark ``span`` of the latest utterance of ``speaker`` whose text is ``text`` (or the
        provisional one it grows from). Returns whether an utterance matched."""
        for entry in reversed(self._entries):
            if entry.speaker != speaker:
                continue
            if entry.text == text or (not entry.final and text.startswith(entry.text[: span[1]])):
                if span not in entry.spans:
                    entry.spans.append(span)
                    self._render_all()
                return True
        return False

    def _render_all(self) -> None:
        bar = self.verticalScrollBar()
        self._stick = bar.value() >= bar.maximum() - 8
        if not self._entries:
            body = f"<p style='color:#9aa5b1'>{self._empty_text}</p>"
        else:
            body = "".join(bubble(e.speaker, render_entry(e)) for e in self._entries)
        self.setHtml(body)
        if self._stick:
            bar.setValue(bar.maximum())

    def _on_range(self, _lo: int, hi: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(hi)
