"""The painted charts as users see them: the emotion timeline (live panel and review) and the
supervisor's trend charts (issue 15: they replaced pyqtgraph)."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
from typing import Any

from PySide6.QtGui import QColor, QImage

from assist_app.events import EmotionLabel, EmotionReading
from assist_app.ui.meters import EmotionPanel
from assist_app.ui.theme import EMOTION_COLOURS
from assist_app.ui.timeline import EmotionTimeline, emotion_level


def _image(widget: Any) -> QImage:
    widget.repaint()
    return widget.grab().toImage()


def _near(image: QImage, x: float, y: float, colour: str, tolerance: int = 40) -> bool:
    """Whether the pixel at (x, y) has roughly this colour (anti-aliasing blurs the edges only)."""
    want = QColor(colour)
    got = image.pixelColor(round(x), round(y))
    return all(abs(a - b) <= tolerance for a, b in ((got.red(), want.red()), (got.green(), want.green()),
                                                     (got.blue(), want.blue())))


def _emotion_panel(qtbot: Any) -> EmotionPanel:
    panel = EmotionPanel()
    qtbot.addWidget(panel)
    panel.resize(400, 160)
    panel.show()
    return panel


def test_each_reading_is_a_dot_in_its_colour_angry_above_calm_above_pleased(qtbot: Any) -> None:
    panel = _emotion_panel(qtbot)
    timeline = panel.timeline
    readings = [(8.0, EmotionReading(EmotionLabel.NEUTRAL, 0.2)),
                (20.0, EmotionReading(EmotionLabel.ANGRY, 0.9, ("投诉",))),
                (33.0, EmotionReading(EmotionLabel.POSITIVE, 0.8))]
    image = _image(timeline)
    for t, reading in readings:  # nothing drawn where the dots will be yet
        p = timeline.to_pixel(t, emotion_level(reading))
        assert not _near(image, p.x(), p.y(), EMOTION_COLOURS[reading.label])
    for t, reading in readings:
        panel.show_reading(reading, t)
    assert panel.chip.text() == EmotionLabel.POSITIVE.label_zh
    image = _image(timeline)
    dots = [timeline.to_pixel(t, emotion_level(r)) for t, r in readings]
    for dot, (_, reading) in zip(dots, readings, strict=True):
        assert timeline.plot_rect().contains(dot)
        assert _near(image, dot.x(), dot.y(), EMOTION_COLOURS[reading.label]), reading.label
    calm, angry, pleased = (d.y() for d in dots)
    assert angry < calm < pleased  # up means worse
    assert dots[0].x() < dots[1].x() < dots[2].x()
    # hovering a dot names the reading
    assert timeline.point_near(dots[1]) == readings[1]
    assert timeline.point_near(dots[1] + type(dots[1])(0, 30)) is None


def test_axes_carry_level_words_and_call_times(qtbot: Any) -> None:
    panel = _emotion_panel(qtbot)
    timeline = panel.timeline
    assert [text for _, text in timeline.level_ticks()] == ["激动", "平静", "满意"]
    assert timeline.x_range() == (0.0, 60.0)  # a new call: the first minute
    panel.show_reading(EmotionReading(EmotionLabel.ANXIOUS, 0.6), 95.0)
    ticks = timeline.time_ticks()
    lo, hi = timeline.x_range()
    assert lo == 0.0 and hi >= 95.0
    assert len(ticks) >= 3 and ticks[0] == (0.0, "00:00")
    assert all(lo <= t <= hi for t, _ in ticks)
    assert any(text.startswith("01:") for _, text in ticks)
    # tick labels never overlap each other
    xs = [timeline.to_pixel(t, 0).x() for t, _ in ticks]
    assert min(b - a for a, b in itertools.pairwise(xs)) > timeline.fontMetrics().horizontalAdvance("00:00")


def test_the_live_timeline_scrolls_and_the_review_keeps_the_whole_call(qtbot: Any) -> None:
    panel = _emotion_panel(qtbot)
    review = EmotionTimeline()
    qtbot.addWidget(review)
    review.resize(400, 150)
    review.show()
    first = (5.0, EmotionReading(EmotionLabel.POSITIVE, 0.9))
    panel.show_reading(first[1], first[0])
    image = _image(panel.timeline)
    dot = panel.timeline.to_pixel(first[0], emotion_level(first[1]))
    assert _near(image, dot.x(), dot.y(), EMOTION_COLOURS[EmotionLabel.POSITIVE])
    calls = [first] + [(20.0 * i, EmotionReading(EmotionLabel.ANGRY, 0.9)) for i in range(1, 31)]  # ten minutes
    for t, reading in calls[1:]:
        panel.show_reading(reading, t)
    review.set_points(calls)
    lo, hi = panel.timeline.x_range()
    assert lo > 300 and hi >= 600  # the live view moved on to the last minutes
    assert first not in panel.timeline.visible_points()
    assert panel.timeline.visible_points()[-1] == calls[-1]
    assert len(panel.timeline.points) == len(calls)  # nothing is forgotten, only scrolled out of view
    assert not any(text == "00:00" for _, text in panel.timeline.time_ticks())
    assert review.x_range()[0] == 0.0 and review.visible_points() == calls
    image = _image(review)
    dot = review.to_pixel(first[0], emotion_level(first[1]))
    assert _near(image, dot.x(), dot.y(), EMOTION_COLOURS[EmotionLabel.POSITIVE])
    panel.reset()
    assert panel.timeline.points == [] and panel.timeline.x_range() == (0.0, 60.0)


def test_trend_charts_show_the_weeks_scores_and_emotions(qtbot: Any) -> None:
    from assist_app.ui.supervisor import EMOTION_TILE, TrendsView

    view = TrendsView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    assert view.banned.empty and view.scores.empty and view.emotions.empty  # 暂无数据 until read
    weeks = [dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
    banned = [("王芳", weeks[0], 3), ("王芳", weeks[1], 9), ("李娜", weeks[1], 2)]
    banned += [(f"坐席{i:02d}", weeks[0], 1) for i in range(14)]
    view.show_data(banned, [35.0, 38.5, 100.0, 91.0, 5.0], {"neutral": 12, "angry": 3, "positive": 7})

    chart = view.banned
    assert chart.categories[:2] == ["王芳", "李娜"] and len(chart.categories) == 12  # most first, top 12
    assert [name for name, _ in chart.legend()] == ["11-16 周", "11-23 周"]
    bars = {(b.category, b.series): b for b in chart.bars()}
    assert len(bars) == 24
    assert bars[(0, 1)].rect.height() > bars[(0, 0)].rect.height() > bars[(1, 1)].rect.height() > 0
    assert bars[(1, 0)].value == 0 and bars[(1, 0)].rect.height() == 0
    assert all(chart.plot_rect().adjusted(-1, -1, 1, 1).contains(b.rect) for b in bars.values() if b.value)
    image = _image(chart)
    tall = bars[(0, 1)].rect
    assert _near(image, tall.center().x(), tall.center().y(), chart.series[1].colours[0])

    scores = view.scores
    counts = dict(zip(scores.categories, scores.series[0].values, strict=True))
    assert counts == {"0–10": 1, "10–20": 0, "20–30": 0, "30–40": 2, "40–50": 0, "50–60": 0, "60–70": 0,
                      "70–80": 0, "80–90": 0, "90–100": 2}
    assert scores.legend() == []  # one series: no legend

    emotions = view.emotions
    assert emotions.categories == ["满意", "平静", "愤怒"]
    image = _image(emotions)
    for bar in emotions.bars():
        key = ("positive", "neutral", "angry")[bar.category]
        assert _near(image, bar.rect.center().x(), bar.rect.center().y(), EMOTION_TILE[key]), key
    ticks = emotions.y_ticks()
    assert ticks[0] == 0 and ticks[-1] >= 12 and all(float(t).is_integer() for t in ticks)

    view.show_data([], [], {})
    assert view.banned.empty and view.scores.empty and view.emotions.empty and view.banned.bars() == []


def test_the_gui_loads_only_the_qt_modules_the_bundle_ships() -> None:
    """The panel and the supervisor window need QtCore, QtGui and QtWidgets only (pyqtgraph pulled
    in QtOpenGL, QtOpenGLWidgets, QtSvg and QtTest: 23–32 MB per process; build_installer.spec excludes them)."""
    code = ("import sys; import assist_app.ui.app, assist_app.ui.supervisor_app;"
            "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('PySide6.Qt')}),"
            " 'pyqtgraph' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["['QtCore',", "'QtGui',", "'QtWidgets']", "False"], out.stdout + out.stderr
