"""The mouse wheel only changes a form field that has focus (issue 12.14).

Scrolling the review with the wheel ran over the work order's 回访时间 and turned 2026 into 2013
unnoticed: Qt's spin boxes, date edits and combo boxes take the wheel whenever the pointer is over
them. This application-wide filter gives such a field the wheel only once it has focus (clicked or
tabbed into); otherwise the wheel scrolls the page it sits in.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget


class WheelGuard(QObject):
    """Install once on the ``QApplication`` (``install_wheel_guard``)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(watched, (QAbstractSpinBox, QComboBox)):
            # Hovering with the wheel must not focus the field either (WheelFocus is Qt's default).
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, (QAbstractSpinBox, QComboBox)):
            return False
        if watched.hasFocus():
            return False
        assert isinstance(event, QWheelEvent)
        area = _scroll_area_of(watched)
        if area is not None:
            bar = area.verticalScrollBar()
            QApplication.sendEvent(bar, event)
        return True  # the field itself never sees it


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` (once; later calls return the same guard)."""
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
