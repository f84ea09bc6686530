"""A widget that paints itself on a white ground and repaints when the font changes (its margins and
labels follow the font): the base of the emotion timeline and the supervisor's bar charts."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

BACKGROUND = QColor("#ffffff")


class PaintedWidget(QWidget):
    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.update()  # margins and labels follow the font
        super().changeEvent(event)

    def begin_paint(self) -> QPainter:
        """A painter on the cleared widget (end it when done)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), BACKGROUND)
        return painter
