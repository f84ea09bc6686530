"""Form fields and fonts as agents meet them (issue 12.13, 12.14, 12.17)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QWheelEvent
from PySide6.QtWidgets import QApplication


def wheel(widget: Any, steps: int = -3) -> None:
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_past_unfocused_fields_and_changes_focused_ones(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    controller.select_scenario_id("angry_bill")
    with qtbot.waitSignal(controller.call_finished, timeout=60_000):
        controller.start_demo(flat_out=True)
    review = window.review
    window.resize(420, 600)
    QApplication.processEvents()
    follow = review.work_order.follow_edit
    before = follow.dateTime()
    bar = review.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    at = bar.value()
    window.activateWindow()
    review.work_order.summary_edit.setFocus()
    wheel(follow)  # scrolling the page over 回访时间
    assert follow.dateTime() == before
    assert bar.value() != at  # the page scrolled instead
    gender = review.work_order.gender_edit
    index = gender.currentIndex()
    wheel(gender, steps=-1)
    assert gender.currentIndex() == index
    follow.setFocus()
    qtbot.waitUntil(follow.hasFocus, timeout=2000)
    wheel(follow)  # clicked into: the wheel edits it
    assert follow.dateTime() != before


def test_font_size_applies_at_once_and_the_chart_keeps_its_labels(panel: Any) -> None:
    window, controller = panel
    try:
        controller.apply_settings(replace(controller.settings, font_size=16))
        assert QApplication.font().pixelSize() == 16
        assert window.suggestions.empty.font().pixelSize() == 16  # no restart needed
        metrics = QFontMetrics(QApplication.font())
        for timeline in (window.emotion.timeline, window.review.timeline):
            plot = timeline.plot_rect()  # the data area; the axis labels are drawn around it
            assert timeline.fontMetrics().height() == metrics.height()  # the chart follows the new size
            assert plot.left() >= metrics.horizontalAdvance("激动")
            assert timeline.height() - plot.bottom() >= metrics.height()
    finally:
        controller.apply_settings(replace(controller.settings, font_size=13))


def test_qt_dialogs_speak_chinese(panel: Any) -> None:
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
