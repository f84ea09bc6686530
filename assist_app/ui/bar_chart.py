"""A small bar chart painted with QPainter, for the supervisor's team trends.

It replaced pyqtgraph's ``BarGraphItem`` plots (issue 15: pyqtgraph cost 23–32 MB of RSS per GUI
process). Categories along the bottom, one bar per series in each category (grouped, e.g. one per
week), counts on a round-numbered axis with faint grid lines, each bar's count written above it, a
legend when there is more than one series, and 暂无数据 when there is nothing to show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from assist_app.ui.painted import PaintedWidget

AXIS = QColor("#9aa5b1")
TEXT = QColor("#52606d")
TITLE = QColor("#1f2933")
GRID = QColor("#eef0f2")
MUTED = QColor("#9aa5b1")


@dataclass(frozen=True, slots=True)
class BarSeries:
    """One bar per category. ``colours``: one colour for every bar, or one per category.
    ``name`` is the legend text (shown when a chart has more than one series)."""

    name: str
    values: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, index: int) -> str:
        return self.colours[index] if len(self.colours) > 1 else self.colours[0]


@dataclass(frozen=True, slots=True)
class DrawnBar:
    """A bar as drawn: which series and category, its rectangle and value (tests read these)."""

    series: int
    category: int
    rect: QRectF
    value: float


def nice_step(top: float, max_ticks: int) -> float:
    """A round axis step (1, 2 or 5 × 10^k, at least 1: counts are whole) giving ≤ max_ticks steps."""
    raw = max(top, 1.0) / max(1, max_ticks)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            return max(1.0, m * magnitude)
    return max(1.0, 10 * magnitude)


class BarChart(PaintedWidget):
    """A titled, grouped bar chart of counts."""

    EMPTY_TEXT = "暂无数据"

    def __init__(self, title: str, *, y_label: str = "", x_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.y_label = y_label
        self.x_label = x_label
        self.categories: list[str] = []
        self.series: list[BarSeries] = []
        self.setMinimumSize(240, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, categories: Sequence[str], series: Sequence[BarSeries]) -> None:
        for s in series:
            if len(s.values) != len(categories) or len(s.colours) not in (1, len(categories)):
                raise ValueError(f"series {s.name!r}: {len(s.values)} values, {len(s.colours)} colours "
                                 f"for {len(categories)} categories")
        self.categories = list(categories)
        self.series = list(series)
        self.update()

    def clear(self) -> None:
        self.set_data([], [])

    @property
    def empty(self) -> bool:
        return not self.categories or not self.series

    def legend(self) -> list[tuple[str, str]]:
        """(name, colour) of each series, when the chart has more than one."""
        return [(s.name, s.colours[0]) for s in self.series] if len(self.series) > 1 else []

    # -- geometry ----------------------------------------------------------------------------------

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def y_top(self) -> float:
        return max((v for s in self.series for v in s.values), default=0.0)

    def y_ticks(self) -> list[float]:
        fm = self.fontMetrics()
        max_ticks = max(2, int(self.plot_rect().height() // (fm.height() * 2)))
        step = nice_step(self.y_top(), max_ticks)
        top = step * max(1, math.ceil(self.y_top() / step))
        return [i * step for i in range(round(top / step) + 1)]

    def plot_rect(self) -> QRectF:
        """The bars' area: the widget less the title, legend, axis labels and tick labels."""
        fm = self.fontMetrics()
        top = fm.height() + 10  # title
        if self.legend():
            top += fm.height() + 4
        top += fm.height() // 2 + 2  # room for the count above the tallest bar
        tick_w = fm.horizontalAdvance(f"{self.y_top():.0f}") if self.categories else fm.horizontalAdvance("0")
        left = 6 + tick_w + 8
        if self.y_label:
            left += fm.height() + 4
        bottom = fm.height() + 8
        if self.x_label:
            bottom += fm.height() + 2
        return QRectF(left, top, max(1.0, self.width() - left - 10), max(1.0, self.height() - top - bottom))

    def bars(self) -> list[DrawnBar]:
        if self.empty:
            return []
        area = self.plot_rect()
        ticks = self.y_ticks()
        top = ticks[-1] if ticks[-1] > 0 else 1.0
        slot = area.width() / len(self.categories)
        # Bars no wider than a few characters: four categories across a wall screen made slabs.
        width = min(slot * 0.8 / len(self.series), self.fontMetrics().height() * 4.0)
        group = width * len(self.series)
        out = []
        for c in range(len(self.categories)):
            for j, s in enumerate(self.series):
                h = s.values[c] / top * area.height()
                x = area.left() + slot * c + (slot - group) / 2 + width * j
                out.append(DrawnBar(j, c, QRectF(x + width * 0.05, area.bottom() - h, width * 0.9, h), s.values[c]))
        return out

    # -- Qt ----------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            pos = QPointF(event.pos())
            hit = next((b for b in self.bars() if b.rect.adjusted(0, -4, 0, 0).contains(pos)), None)
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                name = self.series[hit.series].name
                text = f"{self.categories[hit.category]}{' · ' + name if name else ''}：{hit.value:g}"
                QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        fm = self.fontMetrics()
        painter.setFont(self._title_font())
        painter.setPen(TITLE)
        painter.drawText(QRectF(0, 4, self.width(), fm.height() + 4), Qt.AlignmentFlag.AlignCenter, self.title)
        painter.setFont(self.font())
        if self.empty:
            painter.setPen(MUTED)
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.EMPTY_TEXT)
            painter.end()
            return
        area = self.plot_rect()
        self._paint_legend(painter, fm.height() + 10)
        # value axis: grid, ticks, label
        ticks = self.y_ticks()
        top = ticks[-1] if ticks[-1] > 0 else 1.0
        for v in ticks:
            y = area.bottom() - v / top * area.height()
            painter.setPen(QPen(GRID, 1))
            if v > 0:
                painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(TEXT)
            painter.drawText(QRectF(0, y - fm.height() / 2, area.left() - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{v:g}")
        if self.y_label:
            painter.save()
            painter.translate(4 + fm.ascent(), area.center().y())
            painter.rotate(-90)
            painter.drawText(QRectF(-area.height() / 2, -fm.ascent(), area.height(), fm.height()),
                             Qt.AlignmentFlag.AlignCenter, self.y_label)
            painter.restore()
        # bars with their counts
        for bar in self.bars():
            colour = QColor(self.series[bar.series].colour(bar.category))
            painter.fillRect(bar.rect, colour)
            text = f"{bar.value:g}"
            if bar.value > 0 and fm.horizontalAdvance(text) <= bar.rect.width() + 6:
                painter.setPen(TEXT)
                painter.drawText(QRectF(bar.rect.left() - 10, bar.rect.top() - fm.height() - 1,
                                        bar.rect.width() + 20, fm.height()),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text)
        # category axis
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        slot = area.width() / len(self.categories)
        painter.setPen(TEXT)
        for c, name in enumerate(self.categories):
            text = fm.elidedText(name, Qt.TextElideMode.ElideRight, int(slot) - 2)
            painter.drawText(QRectF(area.left() + slot * c, area.bottom() + 4, slot, fm.height() + 2),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
        if self.x_label:
            painter.drawText(QRectF(area.left(), area.bottom() + fm.height() + 6, area.width(), fm.height() + 2),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.x_label)
        painter.end()

    def _paint_legend(self, painter: QPainter, y: float) -> None:
        entries = self.legend()
        if not entries:
            return
        fm = self.fontMetrics()
        swatch = fm.height() * 0.7
        widths = [swatch + 4 + fm.horizontalAdvance(name) + 14 for name, _ in entries]
        x = self.width() - 10 - sum(widths)
        for (name, colour), w in zip(entries, widths, strict=True):
            painter.fillRect(QRectF(x, y + (fm.height() - swatch) / 2, swatch, swatch), QColor(colour))
            painter.setPen(TEXT)
            painter.drawText(QRectF(x + swatch + 4, y, w - swatch - 4, fm.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            x += w
