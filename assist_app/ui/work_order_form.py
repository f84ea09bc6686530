"""The review's work-order form (seed 004: 日期、时间、姓名、性别、电话、简要内容、处理状况, 回访时间):
it shows a stored ``WorkOrder`` and gives it back edited with ``dataclasses.replace``, so the call id
and status it was shown with are kept (one frozen work order, issue 11). The panel's review and
记录 both use it through ``ReviewView``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist_app.store.models import WorkOrder


class WorkOrderForm(QWidget):
    """Emits ``save_requested`` with the edited ``WorkOrder`` when 保存工单 is pressed."""

    save_requested = Signal(object)  # WorkOrder

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._order = WorkOrder(call_id="", date="", time="")  # the order shown; edits are applied to it
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(self._build_fields())
        lay.addLayout(self._build_buttons())

    def _build_fields(self) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.date_edit = QLineEdit()
        self.time_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.title_edit = QComboBox()
        self.title_edit.setEditable(True)
        self.title_edit.addItems(["", "先生", "女士", "小姐"])
        self.gender_edit = QComboBox()
        self.gender_edit.addItems(["", "男", "女"])
        self.phone_edit = QLineEdit()
        self.phone_edit.setToolTip("按隐私设置，号码中间几位已隐去")
        self.summary_edit = QPlainTextEdit()
        self.summary_edit.setFixedHeight(64)
        self.handling_edit = QPlainTextEdit()
        self.handling_edit.setFixedHeight(64)
        self.follow_edit = QDateTimeEdit()
        self.follow_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.follow_edit.setCalendarPopup(True)
        # A QDateTimeEdit cannot be empty: its minimum stands for "no follow-up" (else every saved
        # order got a follow-up on 2000-01-01, the widget's default).
        self.follow_edit.setMinimumDateTime(QDateTime(QDate(2000, 1, 1), QTime(0, 0)))
        self.follow_edit.setSpecialValueText("无需回访")
        when = QHBoxLayout()
        when.addWidget(self.date_edit)
        when.addWidget(self.time_edit)
        who = QHBoxLayout()
        who.addWidget(self.name_edit, 2)
        who.addWidget(self.title_edit, 1)
        who.addWidget(self.gender_edit, 1)
        form.addRow("日期时间", when)
        form.addRow("来电人", who)
        form.addRow("电话", self.phone_edit)
        form.addRow("简要内容", self.summary_edit)
        form.addRow("处理情况", self.handling_edit)
        form.addRow("回访时间", self.follow_edit)
        return form

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.save_status = QLabel("")
        self.save_status.setObjectName("muted")
        self.save_status.setWordWrap(True)
        buttons.addWidget(self.save_status, 1)
        self.save_button = QPushButton("保存工单")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.order()))
        buttons.addWidget(self.save_button)
        return buttons

    def show_order(self, order: WorkOrder) -> None:
        """Fill the form; ``order()`` gives this order back with the edits."""
        self._order = order
        self.date_edit.setText(order.date)
        self.time_edit.setText(order.time)
        self.name_edit.setText(order.caller_name)
        self.title_edit.setCurrentText(order.caller_title)
        self.gender_edit.setCurrentText(order.gender)
        self.phone_edit.setText(order.phone)  # already masked when privacy masking is on
        self.summary_edit.setPlainText(order.summary)
        self.handling_edit.setPlainText(order.handling)
        if order.follow_up is not None:
            self.follow_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(order.follow_up.timestamp())))
        else:
            self.follow_edit.setDateTime(self.follow_edit.minimumDateTime())
        self.save_status.setText("投诉工单：请在 24 小时内回访。" if order.is_complaint else "")

    def order(self) -> WorkOrder:
        """The order last shown, with the form's edits (its call id, status and complaint mark kept)."""
        follow = self.follow_edit.dateTime().toPython()
        if self.follow_edit.dateTime() <= self.follow_edit.minimumDateTime():
            follow = None
        return replace(
            self._order,
            date=self.date_edit.text().strip(),
            time=self.time_edit.text().strip(),
            caller_name=self.name_edit.text().strip(),
            caller_title=self.title_edit.currentText().strip(),
            gender=self.gender_edit.currentText(),
            phone=self.phone_edit.text().strip(),
            summary=self.summary_edit.toPlainText().strip(),
            handling=self.handling_edit.toPlainText().strip(),
            follow_up=follow if isinstance(follow, datetime) else None,
        )
