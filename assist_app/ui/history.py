"""Call history (记录): filter and search stored calls, open one to review its transcript, flags,
emotion timeline and score, and edit its work order (issue 5 §4).

``HistoryDialog`` lays widgets out; ``HistoryController`` decides what they show. What a row or a
review contains is computed Qt-free in ``store.display``. Store reads run on the store's writer
thread and block their caller, so they are started from a short-lived worker thread and their
results are drained onto the GUI thread by a timer (STYLE.md: no cross-thread Qt emits).
"""

from __future__ import annotations

import functools
import html
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor
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
    QTextBrowser,
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
    call_row,
    preset_range,
    real_call_stats,
    review_emotions,
    review_flags_marked,
    review_title,
    stored_work_order,
    transcript_entries,
)
from assist_app.store.models import CallRecord, CallSummary, SearchHit, WorkOrder
from assist_app.ui.errors import user_message
from assist_app.ui.review import ReviewView, ScoreLine, WorkOrderDraft, score_colour
from assist_app.ui.theme import EMOTION_COLOURS, FLAG_HIGHLIGHT, SPEAKER_COLOURS, mmss

log = logging.getLogger(__name__)

NO_STORE_ZH = "未连接通话记录库，无法查看历史通话。请在“设置 → 隐私”中开启“保存通话文字记录”后重新启动。"
COLUMNS = ("开始时间", "时长", "坐席", "评分", "最高情绪", "提示", "状态", "类型")
SPEAKER_ZH = {"agent": "坐席", "customer": "客户"}
FOUND_HIGHLIGHT = "#fff1b8"


class BackgroundReads(QObject):
    """Runs blocking store calls on worker threads; results come back on the GUI thread.

    Each call gets its own short-lived thread (reads are rare and user-driven); ``shutdown``
    joins them with a bound, so a closed dialog leaves no thread behind.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: queue.SimpleQueue[tuple[Callable[[Any], None], Any]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._timer = QTimer(self)
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._drain)

    @property
    def busy(self) -> bool:
        return bool(self._threads)

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> None:
        def run() -> None:
            try:
                result = fn()
            except Exception as exc:  # reported to the GUI thread, which shows it
                self._results.put((on_error, exc))
            else:
                self._results.put((on_done, result))

        thread = threading.Thread(target=run, name="history-read", daemon=True)
        self._threads.append(thread)
        thread.start()
        self._timer.start()

    def _drain(self) -> None:
        # Prune finished threads first: a finished thread has already queued its result.
        self._threads = [t for t in self._threads if t.is_alive()]
        while True:
            try:
                callback, value = self._results.get_nowait()
            except queue.Empty:
                break
            callback(value)
        if not self._threads:
            self._timer.stop()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Wait (bounded) for running reads and drop their results; ``submit`` works again after."""
        self._timer.stop()
        for t in self._threads:
            t.join(timeout)
        self._threads = []
        while True:
            try:
                self._results.get_nowait()
            except queue.Empty:
                break


def _marked_html(text: str, flagged: tuple[tuple[int, int], ...], found: tuple[tuple[int, int], ...]) -> str:
    marks = sorted([(s, e, "flag") for s, e in flagged] + [(s, e, "found") for s, e in found])
    out: list[str] = []
    pos = 0
    for s, e, kind in marks:
        s = max(s, pos)
        if s >= e:
            continue
        out.append(html.escape(text[pos:s]))
        style = (f"background:{FLAG_HIGHLIGHT};color:#8a1f17;font-weight:bold" if kind == "flag"
                 else f"background:{FOUND_HIGHLIGHT}")
        out.append(f"<span style='{style}'>{html.escape(text[s:e])}</span>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


class StoredTranscript(QTextBrowser):
    """A stored call's transcript: agent right, customer left, flagged words marked in red and
    search terms in yellow."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        self.setOpenLinks(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().setDocumentMargin(6)
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
            colour = SPEAKER_COLOURS.get(e.speaker, "#52606d")
            align = "right" if e.speaker == "agent" else "left"
            parts.append(
                f"<p align='{align}' style='margin:0 0 6px 0'><a name='u{i}'></a>"
                f"<span style='color:{colour};font-weight:bold'>{SPEAKER_ZH.get(e.speaker, '')}</span>"
                f" <span style='color:#9aa5b1'>{mmss(e.t)}{'（精校）' if e.corrected else ''}</span>"
                f"<br>{_marked_html(e.text, e.flagged, e.found)}"
                + (f"<br><span style='color:#9aa5b1;font-size:small'>实时识别：{html.escape(e.first_pass)}</span>"
                   if e.corrected and e.first_pass else "")
                + "</p>"
            )
        self.setHtml("".join(parts))
        if first_found >= 0:
            self.scrollToAnchor(f"u{first_found}")

    def flagged_words(self) -> list[str]:
        return [e.text[s:t] for e in self.entries for s, t in e.flagged]


@functools.cache
def scenario_titles() -> dict[str, str]:
    """Scenario titles by id, for the 类型 column (demo and practice calls store the id)."""
    try:
        from assist_app.demo.scenario import load_scenarios

        return {s.id: s.title for s in load_scenarios()}
    except Exception:  # a broken scenario file must not break 记录: ids are shown instead
        log.warning("scenario titles unavailable for the history", exc_info=True)
        return {}


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

        page = QWidget()
        page.setObjectName("root")
        lay = QVBoxLayout(page)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)

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
        lay.addLayout(row1)

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
        self.list_page = page
        self.stack.addWidget(page)

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
        self.detail_page = detail
        self.stack.addWidget(detail)

        self.date_preset.currentIndexChanged.connect(self._sync_dates)
        self._sync_dates()

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


def _draft_of(order: WorkOrder) -> WorkOrderDraft:
    return WorkOrderDraft(order.date, order.time, order.caller_name, order.caller_title, order.gender, order.phone,
                          order.summary, order.handling, order.follow_up, order.is_complaint)


class HistoryController(QObject):
    """Queries the store for the dialog and saves edited work orders back to it.

    ``calls_loaded`` fires with the rows shown, ``call_opened`` with the ``CallRecord`` shown,
    ``work_order_saved`` with the stored (masked) ``WorkOrder``; ``failed`` with a Chinese message.
    """

    calls_loaded = Signal(list)
    call_opened = Signal(object)
    work_order_saved = Signal(object)
    failed = Signal(str)

    def __init__(self, dialog: HistoryDialog, store: Any, *,
                 last_review: Callable[[], None] | None = None) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.store = store
        self.record: CallRecord | None = None
        self._reads = BackgroundReads(self)
        self._list_gen = 0
        self._open_gen = 0
        self._focus: str | None = None
        self._search_text = ""
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.refresh)
        self._last_review: Callable[[], None] | None = None
        d = dialog
        for sig in (d.date_preset.currentIndexChanged, d.date_from.dateChanged, d.date_to.dateChanged,
                    d.agent_edit.textChanged, d.min_score.valueChanged, d.max_score.valueChanged,
                    d.emotion.currentIndexChanged, d.mode_box.currentIndexChanged, d.flagged_only.toggled,
                    d.search_edit.textChanged):
            sig.connect(self._schedule)
        d.search_edit.returnPressed.connect(self.refresh)
        d.search_button.clicked.connect(self.refresh)
        d.refresh_button.clicked.connect(self.refresh)
        d.open_button.clicked.connect(self.open_selected)
        d.table.cellDoubleClicked.connect(lambda row, _col: self.open_selected())
        d.review.back_requested.connect(d.show_list)
        d.review.save_requested.connect(self.save_work_order)
        d.last_review_button.clicked.connect(self._show_last_review)
        self.set_last_review(last_review)
        if store is None:
            d.set_filters_enabled(False)
            d.status.setText(NO_STORE_ZH)

    # -- list --------------------------------------------------------------------------------

    def _schedule(self, *_args: object) -> None:
        self._debounce.start()

    def refresh(self, focus_call_id: str | None = None) -> None:
        """Run the dialog's query (newest first); select ``focus_call_id`` or the newest call."""
        self._debounce.stop()
        if focus_call_id:
            self._focus = focus_call_id
        if self.store is None:
            return
        q = self.dialog.query()
        f = q.to_filter()
        text = q.search_text
        self._list_gen += 1
        gen = self._list_gen
        store = self.store

        def read() -> list[tuple[CallSummary, tuple[str, ...]]]:
            scenario_titles()  # loaded here, off the GUI thread, the first time
            if text:
                hits: list[SearchHit] = store.search(text, f)
                return [(h.call, tuple(ln.text for ln in h.lines)) for h in hits]
            return [(s, ()) for s in store.list_calls(f)]

        self.dialog.status.setText("正在读取…")
        self._reads.submit(read, lambda r: self._on_calls(gen, text, q.limit, r), self._on_error)

    def _on_calls(self, gen: int, text: str, limit: int, result: list[tuple[CallSummary, tuple[str, ...]]]) -> None:
        if gen != self._list_gen:
            return  # an older query finished after a newer one started
        titles = scenario_titles()
        rows = [call_row(s, matches, titles) for s, matches in result]
        self._search_text = text
        d = self.dialog
        keep = d.selected_call_id()
        d.show_rows(rows)
        d.select_call(self._focus or keep)
        self._focus = None
        if not rows:
            d.status.setText("没有找到符合条件的通话。" if text else "没有符合条件的通话。")
        elif len(rows) >= limit:
            d.status.setText(f"仅显示最近 {limit} 通，请缩小筛选范围。")
        else:
            d.status.setText(f"共 {len(rows)} 通" + ("（按内容搜索）" if text else "") + f"；{real_call_stats(rows)}。"
                             "双击一行查看回顾。")
        self.calls_loaded.emit(rows)

    def _on_error(self, exc: BaseException) -> None:
        msg = getattr(exc, "message_zh", None)
        if not msg:
            log.error("history read failed: %r", exc)
            msg = f"读取通话记录失败：{user_message(exc, '通话记录')}"
        self.dialog.status.setText(str(msg))
        self.dialog.review.set_save_status(str(msg))
        self.failed.emit(str(msg))

    # -- one call ----------------------------------------------------------------------------

    def open_selected(self) -> None:
        call_id = self.dialog.selected_call_id()
        if call_id:
            self.open_call(call_id)

    def open_call(self, call_id: str) -> None:
        if self.store is None:
            return
        self._open_gen += 1
        gen = self._open_gen
        store = self.store
        self.dialog.status.setText("正在打开…")
        self._reads.submit(lambda: store.get_call(call_id), lambda rec: self._on_record(gen, call_id, rec),
                           self._on_error)

    def _on_record(self, gen: int, call_id: str, rec: CallRecord | None) -> None:
        if gen != self._open_gen:
            return
        d = self.dialog
        if rec is None:
            d.status.setText("这通通话已不在记录库中（可能已按保留期限删除）。")
            return
        self.record = rec
        r = d.review
        r.show_header(review_title(rec.summary))
        if rec.score is not None:
            lines = [ScoreLine(i.name_zh, i.points, i.max_points, i.notes) for i in rec.score.items]
            r.show_score(rec.score.total, lines)
        else:
            r.show_score(None, [])
            r.total_note.setText("这通通话没有评分记录。")
        r.show_flags(review_flags_marked(rec))
        r.show_emotions(review_emotions(rec))
        order, saved = stored_work_order(rec)
        r.show_draft(_draft_of(order))
        if not saved:
            r.set_save_status("工单尚未保存：以下为根据通话内容生成的草稿。")
        elif order.is_complaint:
            r.set_save_status(f"投诉工单（{order.status_zh}）：请在 24 小时内回访。")
        else:
            r.set_save_status(f"工单状态：{order.status_zh}")
        d.transcript.show_entries(transcript_entries(rec, self._search_text))
        d.status.setText("")
        d.show_detail()
        self.call_opened.emit(rec)

    def save_work_order(self, draft: WorkOrderDraft) -> None:
        rec = self.record
        if rec is None or self.store is None:
            return
        old = rec.work_order
        status = old.status if old is not None else ("open" if draft.is_complaint else "draft")
        order = WorkOrder(call_id=rec.summary.id, date=draft.date, time=draft.time, caller_name=draft.caller_name,
                          caller_title=draft.caller_title, gender=draft.gender, phone=draft.phone,
                          summary=draft.summary, handling=draft.handling, follow_up=draft.follow_up,
                          is_complaint=draft.is_complaint, status=status)
        store = self.store
        self.dialog.review.set_save_status("正在保存…")
        self._reads.submit(lambda: store.save_work_order(order), self._on_saved, self._on_save_error)

    def _on_saved(self, order: WorkOrder) -> None:
        if self.record is not None and self.record.summary.id == order.call_id:
            self.record = replace(self.record, work_order=order)
        self.dialog.review.set_save_status(f"已保存（{datetime.now():%H:%M:%S}）")
        self.work_order_saved.emit(order)

    def _on_save_error(self, exc: BaseException) -> None:
        msg = getattr(exc, "message_zh", None) or str(exc)
        log.error("saving a work order from history failed: %r", exc)
        self.dialog.review.set_save_status(f"保存失败：{msg}")
        self.failed.emit(str(msg))

    def set_last_review(self, last_review: Callable[[], None] | None) -> None:
        """Without a store, the panel's own review of the call just finished is all there is."""
        self._last_review = last_review
        self.dialog.last_review_button.setVisible(self.store is None and last_review is not None)

    def _show_last_review(self) -> None:
        if self._last_review is not None:
            self._last_review()
            self.dialog.close()

    def shutdown(self) -> None:
        self._debounce.stop()
        self._reads.shutdown()


class HistoryWindow(HistoryDialog):
    """The dialog with its controller; closing it stops the controller's reads."""

    def __init__(self, parent: QWidget | None, store: Any, last_review: Callable[[], None] | None) -> None:
        super().__init__(parent)
        self.controller = HistoryController(self, store, last_review=last_review)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.shutdown()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.controller.shutdown()
        super().done(result)


def open_history(window: QWidget, store: Any, *, focus_call_id: str | None = None,
                 last_review: Callable[[], None] | None = None) -> HistoryDialog:
    """Show the history window of ``window`` (one per window, reused), newest calls first with
    ``focus_call_id`` (the call just finished) selected. Returns the dialog (its ``controller``
    is a ``HistoryController``)."""
    dialog = window.findChild(HistoryWindow)
    if dialog is None or dialog.controller.store is not store:
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        dialog = HistoryWindow(window, store, last_review)
        closing = getattr(window, "closing", None)
        if closing is not None:
            closing.connect(dialog.close)
    dialog.controller.set_last_review(last_review)
    dialog.show_list()
    dialog.show()
    dialog.raise_()
    dialog.controller.refresh(focus_call_id)
    return dialog
