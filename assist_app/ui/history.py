"""Call history (记录): filter and search stored calls, open one to review its transcript, flags,
emotion timeline and score, and edit its work order (issue 5 §4).

``HistoryDialog`` (``ui.history_view``) lays widgets out; ``HistoryController`` decides what they show. What a row or a
review contains is computed Qt-free in ``store.display``. Store reads run on the store's writer
thread and block their caller, so they are started from a short-lived worker thread and their
results are drained onto the GUI thread by a timer (STYLE.md: no cross-thread Qt emits).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from assist_app.store.display import (
    call_row,
    real_call_stats,
    review_emotions,
    review_flags_marked,
    review_title,
    stored_work_order,
    transcript_entries,
)
from assist_app.store.models import CallRecord, CallSummary, SearchHit, WorkOrder
from assist_app.ui.background import BackgroundJobs
from assist_app.ui.errors import user_message
from assist_app.ui.history_view import HistoryDialog
from assist_app.ui.review import ScoreLine

log = logging.getLogger(__name__)

NO_STORE_ZH = "未连接通话记录库，无法查看历史通话。请在“设置 → 隐私”中开启“保存通话文字记录”后重新启动。"


@functools.cache
def scenario_titles() -> dict[str, str]:
    """Scenario titles by id, for the 类型 column (demo and practice calls store the id)."""
    try:
        from assist_app.demo.scenario import load_scenarios

        return {s.id: s.title for s in load_scenarios()}
    except Exception:  # a broken scenario file must not break 记录: ids are shown instead
        log.warning("scenario titles unavailable for the history", exc_info=True)
        return {}


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
        self._reads = BackgroundJobs(self, name="history-read")
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
        r.show_draft(order)
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

    def save_work_order(self, draft: WorkOrder) -> None:
        rec = self.record
        if rec is None or self.store is None:
            return
        old = rec.work_order
        status = old.status if old is not None else ("open" if draft.is_complaint else "draft")
        order = replace(draft, call_id=rec.summary.id, status=status)
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
