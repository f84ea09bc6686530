"""The customer emotion timeline, painted with QPainter.

It replaced a pyqtgraph ``PlotWidget`` (issue 15): pyqtgraph pulled QtOpenGL, QtOpenGLWidgets, QtSvg
and QtTest into the seat's GUI process, 23 MB of RSS for one small chart. It shows what the plot
showed: the emotion level over call time (angry/escalating up, pleased down), one dot per reading in
the label's colour joined by a grey line, a shaded band for the agitated zone, 激动/平静/满意 on the
left and call time under it. The time axis reads MM:SS like the rest of the panel; the live panel
keeps the last few minutes in view and scrolls, the review shows the whole call.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QHelpEvent, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from assist_app.events import EmotionLabel, EmotionReading
from assist_app.formatting import clock
from assist_app.ui.painted import BACKGROUND, PaintedWidget
from assist_app.ui.theme import EMOTION_COLOURS

# Plot height of each label: negative feelings up, positive down, so "up" always means "worse".
_VALENCE = {
    EmotionLabel.COMPLAINT_ESCALATION: 1.0,
    EmotionLabel.ANGRY: 1.0,
    EmotionLabel.ANXIOUS: 0.7,
    EmotionLabel.NEGATIVE_OTHER: 0.6,
    EmotionLabel.NEUTRAL: 0.0,
    EmotionLabel.POSITIVE: -0.8,
}

LEVEL_TICKS = ((0.75, "激动"), (0.0, "平静"), (-0.75, "满意"))
LEVEL_MIN, LEVEL_MAX = -1.05, 1.05
AGITATED_FROM = 0.6  # levels above this are shaded: anger, escalation, strong anxiety
MIN_SPAN_S = 60.0  # a new call's axis starts at one minute wide
TAIL_S = 5.0  # room after the newest reading
TIME_STEPS_S = (5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600)
DOT_RADIUS = 4.0
HIT_RADIUS = 8.0  # how near the pointer must be to a dot for its tooltip

AXIS = QColor("#9aa5b1")
TEXT = QColor("#52606d")
GRID = QColor("#eef0f2")
BASELINE = QColor("#cbd2d9")
CURVE = QColor("#7b8794")
AGITATED_BAND = QColor(194, 69, 59, 22)


def emotion_level(reading: EmotionReading) -> float:
    """The plotted value of a reading: −1 (pleased) … 0 (calm) … +1 (angry / escalating)."""
    if reading.label is EmotionLabel.NEUTRAL:
        return 0.0
    return _VALENCE[reading.label] * max(0.2, min(1.0, reading.intensity))


class EmotionTimeline(PaintedWidget):
    """The emotion curve over call time; dots coloured by label.

    ``window_s`` is how many seconds stay in view: ``None`` shows the whole call (the review), a
    number makes the axis scroll once the call is longer (the live panel).
    """

    def __init__(self, parent: QWidget | None = None, *, window_s: float | None = None) -> None:
        super().__init__(parent)
        self.window_s = window_s
        self.points: list[tuple[float, EmotionReading]] = []
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        # A painted widget has no natural size; this is the panel's width (the panel fixes the height).
        return QSize(360, max(self.minimumHeight(), 88))

    # -- data -------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.points.clear()
        self.update()

    def add(self, t: float, reading: EmotionReading) -> None:
        self.points.append((t, reading))
        self.update()

    def set_points(self, points: list[tuple[float, EmotionReading]]) -> None:
        self.points = list(points)
        self.update()

    # -- geometry (also what tests read) -----------------------------------------------------------

    def x_range(self) -> tuple[float, float]:
        """The call time in view, in seconds: from 0 until the call outgrows ``window_s``."""
        last = max((t for t, _ in self.points), default=0.0)
        hi = max(MIN_SPAN_S, last + TAIL_S)
        lo = max(0.0, hi - self.window_s) if self.window_s is not None else 0.0
        return lo, hi

    def plot_rect(self) -> QRectF:
        """The data area: the widget less room for the level labels (left) and times (below),
        measured with the current font so a larger 字号 never cuts them off (12.13)."""
        fm = self.fontMetrics()
        left = max(fm.horizontalAdvance(text) for _, text in LEVEL_TICKS) + 12
        right = fm.horizontalAdvance("00:00") / 2 + 2
        bottom = fm.height() + 6
        top = 4.0
        return QRectF(left, top, max(1.0, self.width() - left - right), max(1.0, self.height() - top - bottom))

    def to_pixel(self, t: float, level: float) -> QPointF:
        rect = self.plot_rect()
        lo, hi = self.x_range()
        x = rect.left() + (t - lo) / (hi - lo) * rect.width()
        y = rect.top() + (LEVEL_MAX - level) / (LEVEL_MAX - LEVEL_MIN) * rect.height()
        return QPointF(x, y)

    def visible_points(self) -> list[tuple[float, EmotionReading]]:
        """The readings inside the time in view (the ones drawn as dots)."""
        lo, hi = self.x_range()
        return [(t, r) for t, r in self.points if lo <= t <= hi]

    def time_ticks(self) -> list[tuple[float, str]]:
        """Times labelled under the axis: the smallest round step whose labels do not collide."""
        lo, hi = self.x_range()
        label_w = self.fontMetrics().horizontalAdvance("00:00") + 14
        fits = max(1, int(self.plot_rect().width() // label_w))
        step = next((s for s in TIME_STEPS_S if (hi - lo) / s <= fits), TIME_STEPS_S[-1])
        first = int(-(-lo // step)) * step
        ticks = []
        t = float(first)
        while t <= hi + 1e-9:
            ticks.append((t, clock(t)))
            t += step
        return ticks

    def level_ticks(self) -> list[tuple[float, str]]:
        return list(LEVEL_TICKS)

    def point_near(self, pos: QPointF) -> tuple[float, EmotionReading] | None:
        best: tuple[float, tuple[float, EmotionReading]] | None = None
        for t, r in self.visible_points():
            p = self.to_pixel(t, emotion_level(r))
            d = (p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2
            if d <= HIT_RADIUS**2 and (best is None or d < best[0]):
                best = (d, (t, r))
        return best[1] if best else None

    # -- Qt ----------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.point_near(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                t, r = hit
                QToolTip.showText(event.globalPos(), f"{clock(t)}  {r.label.label_zh}  强度 {r.intensity:.0%}", self)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = self.begin_paint()
        rect = self.plot_rect()
        fm = self.fontMetrics()
        # agitated band, level grid and the calm baseline
        band_bottom = self.to_pixel(0, AGITATED_FROM).y()
        painter.fillRect(QRectF(rect.left(), rect.top(), rect.width(), band_bottom - rect.top()), AGITATED_BAND)
        for level, text in LEVEL_TICKS:
            y = self.to_pixel(0, level).y()
            painter.setPen(QPen(BASELINE if level == 0 else GRID, 1))
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            painter.setPen(TEXT)
            painter.drawText(QRectF(0, y - fm.height() / 2, rect.left() - 6, fm.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        # axes and time labels
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(rect.bottomLeft(), rect.topLeft())
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        for t, text in self.time_ticks():
            x = self.to_pixel(t, 0).x()
            painter.setPen(QPen(AXIS, 1))
            painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 3))
            painter.setPen(TEXT)
            w = fm.horizontalAdvance(text) + 4
            painter.drawText(QRectF(x - w / 2, rect.bottom() + 3, w, fm.height() + 2),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
        if not self.points:
            painter.end()
            return
        # the curve (clipped, so a scrolled-off reading still leads the line in) and the dots
        painter.setClipRect(rect.adjusted(-DOT_RADIUS - 1, -DOT_RADIUS - 1, DOT_RADIUS + 1, DOT_RADIUS + 1))
        path = QPainterPath()
        for i, (t, r) in enumerate(self.points):
            p = self.to_pixel(t, emotion_level(r))
            if i == 0:
                path.moveTo(p)
            else:
                path.lineTo(p)
        painter.setPen(QPen(CURVE, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        visible = self.visible_points()
        for i, (t, r) in enumerate(visible):
            p = self.to_pixel(t, emotion_level(r))
            newest = i == len(visible) - 1 and visible[-1] is self.points[-1]
            painter.setPen(QPen(BACKGROUND, 1.5) if newest else Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(EMOTION_COLOURS[r.label])))
            radius = DOT_RADIUS + 1 if newest else DOT_RADIUS  # "now" stands out a little
            painter.drawEllipse(p, radius, radius)
        painter.end()
