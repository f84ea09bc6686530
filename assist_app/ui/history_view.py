"""The call-history window's layout (记录, issue 5 §4): the filter row, search box and call table on
one page; one call's review beside its stored transcript on the other. ``ui.history`` decides
what they show (issue 11: split out of it)."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assist_app.events import EmotionLabel
from assist_app.store.display import (
    DATE_PRESETS,
    EMOTION_CHOICES,
    MODE_CHOICES,
    CallRow,
    HistoryQuery,
    TranscriptEntry,
    preset_range,
)
from assist_app.ui.review import ReviewView, score_colour
from assist_app.ui.theme import EMOTION_COLOURS
from assist_app.ui.transcript import FLAG_STYLE, TranscriptBrowser, bubble, marked_html, speaker_head

COLUMNS = ("开始时间", "时长", "坐席", "评分", "最高情绪", "提示", "状态", "类型")
FOUND_STYLE = "background:#fff1b8"


class StoredTranscript(TranscriptBrowser):
    """A stored call's transcript: agent right, customer left, flagged words marked in red and
    search terms in yellow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[TranscriptEntry] = []

    def show_entries(self, entries: list[TranscriptEntry]) -> None:
        self.entries = list(entries)
        if not entries:
            self.setHtml("<p style='color:#9aa5b1'>本通话没有保存文字记录。</p>")
            return
        parts = []
        first_found = -1
        for i, e in enumerate(entries):
            if e.found and first_found < 0:
                first_found = i
            marks = [(s, t, FLAG_STYLE) for s, t in e.flagged] + [(s, t, FOUND_STYLE) for s, t in e.found]
            parts.append(bubble(
                e.speaker,
                f"<a name='u{i}'></a>{speaker_head(e.speaker, e.t, '（精校）' if e.corrected else '')}"
                f"<br>{marked_html(e.text, marks)}"
                + (f"<br><span style='color:#9aa5b1;font-size:small'>实时识别：{html.escape(e.first_pass)}</span>"
                   if e.corrected and e.first_pass else ""),
            ))
        self.setHtml("".join(parts))
        if first_found >= 0:
            self.scrollToAnchor(f"u{first_found}")

    def flagged_words(self) -> list[str]:
        return [e.text[s:t] for e in self.entries for s, t in e.flagged]


class HistoryDialog(QDialog):
    """The history window (layout only): filter row, search box and call table on one page; the
    review of one call (score, flags, emotions, work order) beside its transcript on the other."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("通话记录")
        self.resize(880, 660)  # fits a 1366×768 screen above the taskbar
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.list_page = self._list_page()
        self.stack.addWidget(self.list_page)
        self.detail_page = self._detail_page()
        self.stack.addWidget(self.detail_page)
        self.date_preset.currentIndexChanged.connect(self._sync_dates)
        self._sync_dates()

    def _filter_row(self) -> QHBoxLayout:
        row1 = QHBoxLayout()
        self.date_preset = QComboBox()
        for key, label in DATE_PRESETS:
            self.date_preset.addItem(label, key)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate.currentDate())
        self.date_from.setDate(QDate.currentDate().addDays(-6))
        self.agent_edit = QLineEdit()
        self.agent_edit.setPlaceholderText("工号或姓名")
        self.agent_edit.setClearButtonEnabled(True)
        self.agent_edit.setMaximumWidth(130)
        self.min_score = QSpinBox()
        self.max_score = QSpinBox()
        for box in (self.min_score, self.max_score):
            box.setRange(0, 100)
            box.setMaximumWidth(64)
        self.max_score.setValue(100)
        self.emotion = QComboBox()
        self.emotion.addItem("全部情绪", None)
        for label, zh in EMOTION_CHOICES:
            self.emotion.addItem(zh, label)
        self.mode_box = QComboBox()
        self.mode_box.addItem("全部类型", None)
        for key, zh in MODE_CHOICES:
            self.mode_box.addItem(zh, key)
        self.mode_box.setToolTip("实时通话、演示或练习（演示和练习不计入坐席的实时通话统计）")
        self.flagged_only = QCheckBox("有忌语")
        self.flagged_only.setToolTip("只看有服务忌语提示的通话")
        row1.addWidget(QLabel("日期"))
        row1.addWidget(self.date_preset)
        row1.addWidget(self.date_from)
        self.date_dash = QLabel("–")
        row1.addWidget(self.date_dash)
        row1.addWidget(self.date_to)
        row1.addSpacing(8)
        row1.addWidget(QLabel("坐席"))
        row1.addWidget(self.agent_edit)
        row1.addSpacing(8)
        row1.addWidget(QLabel("评分"))
        row1.addWidget(self.min_score)
        row1.addWidget(QLabel("–"))
        row1.addWidget(self.max_score)
        row1.addSpacing(8)
        row1.addWidget(QLabel("客户情绪"))
        row1.addWidget(self.emotion)
        row1.addWidget(self.mode_box)
        row1.addWidget(self.flagged_only)
        row1.addStretch(1)
        return row1

    def _list_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("root")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addLayout(self._filter_row())
        row2 = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("搜索通话内容，多个词用空格分隔")
        self.search_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton("搜索")
        row2.addWidget(self.search_edit, 1)
        row2.addWidget(self.search_button)
        lay.addLayout(row2)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        bottom.addWidget(self.status, 1)
        self.last_review_button = QPushButton("上次通话回顾")
        self.last_review_button.hide()
        self.refresh_button = QPushButton("刷新")
        self.open_button = QPushButton("查看")
        self.open_button.setObjectName("primary")
        self.open_button.setEnabled(False)
        for b in (self.last_review_button, self.refresh_button, self.open_button):
            bottom.addWidget(b)
        lay.addLayout(bottom)
        return page

    def _detail_page(self) -> QSplitter:
        detail = QSplitter(Qt.Orientation.Horizontal)
        self.review = ReviewView()
        self.review.back_button.setText("返回列表")
        self.review.back_button.setToolTip("回到通话列表")
        detail.addWidget(self.review)
        side = QFrame()
        side.setObjectName("root")
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(6, 6, 6, 6)
        title = QLabel("通话内容")
        title.setObjectName("sectionTitle")
        side_lay.addWidget(title)
        self.transcript = StoredTranscript()
        side_lay.addWidget(self.transcript, 1)
        detail.addWidget(side)
        detail.setStretchFactor(0, 1)
        detail.setStretchFactor(1, 1)
        detail.setSizes([460, 420])
        return detail

    # -- reading the filter row --------------------------------------------------------------

    def _sync_dates(self) -> None:
        custom = self.date_preset.currentData() == "custom"
        for w in (self.date_from, self.date_dash, self.date_to):
            w.setVisible(custom)

    def query(self, today: date | None = None) -> HistoryQuery:
        start, end = preset_range(
            str(self.date_preset.currentData()),
            today or date.today(),
            (self.date_from.date().toPython(), self.date_to.date().toPython()),  # type: ignore[arg-type]
        )
        return HistoryQuery(
            date_from=start,
            date_to=end,
            agent=self.agent_edit.text(),
            flagged_only=self.flagged_only.isChecked(),
            min_score=self.min_score.value(),
            max_score=self.max_score.value(),
            emotion=self.emotion.currentData(),
            mode=self.mode_box.currentData(),
            text=self.search_edit.text(),
        )

    # -- showing -----------------------------------------------------------------------------

    def show_rows(self, rows: list[CallRow]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (row.started, row.duration, row.agent, row.score, row.emotion, str(row.flags) if row.flags else "—",
                     row.status, row.kind)
            items = [QTableWidgetItem(text) for text in cells]
            items[0].setData(Qt.ItemDataRole.UserRole, row.call_id)
            colours: dict[int, str] = {}
            if row.score_value is not None:
                colours[3] = score_colour(row.score_value)
            if row.emotion_label in EMOTION_COLOURS:
                colours[4] = EMOTION_COLOURS[EmotionLabel(row.emotion_label)]
            if row.flags:
                colours[5] = "#c2453b"
            if row.interrupted:
                colours[6] = "#c2453b"
            if row.training:
                colours[7] = "#7b8794"
            for c, item in enumerate(items):
                item.setToolTip(row.tooltip)
                if c in (1, 3, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if c in colours:
                    item.setForeground(QBrush(QColor(colours[c])))
                self.table.setItem(r, c, item)
        self.open_button.setEnabled(bool(rows))

    def row_call_ids(self) -> list[str]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            out.append(str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else "")
        return out

    def selected_call_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select_call(self, call_id: str | None) -> None:
        ids = self.row_call_ids()
        if not ids:
            return
        self.table.selectRow(ids.index(call_id) if call_id in ids else 0)

    def set_filters_enabled(self, on: bool) -> None:
        for w in (self.date_preset, self.date_from, self.date_to, self.agent_edit, self.min_score, self.max_score,
                  self.emotion, self.mode_box, self.flagged_only, self.search_edit, self.search_button,
                  self.refresh_button):
            w.setEnabled(on)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)

    def show_detail(self) -> None:
        self.stack.setCurrentWidget(self.detail_page)
