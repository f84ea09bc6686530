"""After a call: its review page, the QA score and work order saved to the store (off the GUI
thread), and 记录 (issue 11: split out of the panel controller)."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from assist_app.store.models import WorkOrder
from assist_app.training.scorecard import PracticeScore
from assist_app.ui.errors import user_message
from assist_app.ui.history import open_history
from assist_app.ui.outcome import CallOutcome, practice_moment_text
from assist_app.ui.review import ScoreLine

if TYPE_CHECKING:
    from assist_app.ui.controller import PanelController

log = logging.getLogger(__name__)

NO_STORE_ZH = "未连接通话记录库，工单不会保存"


def practice_lines(practice: PracticeScore) -> list[ScoreLine]:
    return [ScoreLine(i.name_zh + (f"（×{practice.weight(i.key):g}）" if practice.weight(i.key) != 1 else ""),
                      i.points, i.max_points, tuple(i.notes), practice.applicable(i.key))
            for i in practice.items]


def call_lines(o: CallOutcome) -> tuple[float | None, list[ScoreLine]]:
    """The QA score's total and lines; a call cut short never reached its closing: 未涉及 rather than
    marked down for it, and the total is over what was scored."""
    items = o.score.items if o.score else ()
    idle = {"closing"} if o.ended_early else set()
    lines = [ScoreLine(i.name_zh, i.points, i.max_points, tuple(i.notes), not (i.key in idle and i.points == 0))
             for i in items]
    total = o.score.total if o.score else None
    scored = [ln for ln in lines if ln.applicable]
    if o.ended_early and scored and len(scored) < len(lines):
        total = round(100.0 * sum(ln.points for ln in scored) / sum(ln.max_points for ln in scored), 1)
    return total, lines


class ReviewController(QObject):
    """Shows a finished call's review and saves what it produced."""

    def __init__(self, panel: PanelController) -> None:
        super().__init__(panel)
        self.panel = panel
        self.window = panel.window
        self.window.review.back_requested.connect(panel.back_to_panel)
        self.window.review.save_requested.connect(self.save_work_order)
        self.window.history_button.clicked.connect(self.show_history)

    def save_score(self, o: CallOutcome, live_score_saved: threading.Event) -> None:
        """Store the call's QA score (off the GUI thread), then let the second pass store its
        re-score. A call cut short keeps no QA score in the store: it would be marked down for the
        steps the scenario never reached (the review still shows what was scored so far)."""
        store, score, cid = self.panel.store, o.score, o.saved_call_id
        if store is None or score is None or cid is None or o.ended_early:
            live_score_saved.set()
            return

        def save() -> None:
            try:
                store.save_score(cid, score)
            finally:
                live_score_saved.set()

        self.panel.saves.submit(save, lambda _none: None, lambda exc: log.error("saving the score failed: %r", exc))

    def show(self, o: CallOutcome, practice: PracticeScore | None) -> None:
        r = self.window.review
        title = "练习评分" if practice is not None else "通话回顾"
        if o.scenario is not None:
            title += f"：{o.scenario.title}"
        if o.ended_early:
            title += "（提前结束）"
        r.show_header(title)
        if practice is not None:
            r.show_score(practice.total, practice_lines(practice))
            r.show_practice(practice.passed, practice.pass_score, [practice_moment_text(m) for m in practice.moments],
                            complete=practice.complete)
        else:
            total, lines = call_lines(o)
            r.show_score(total, lines)
            if o.ended_early:
                # review.py is left as it is (its Whisper work goes on elsewhere): its label is set here.
                r.total_note.setText("提前结束：只评了已进行的部分（未涉及的项不计分），仅供参考，不存入记录。")
            r.show_practice(None, 0, [])
        r.follow(o.feed, o.flags)
        r.show_emotions(o.emotions)
        r.show_draft(o.draft)
        r.set_save_status("投诉工单：请在 24 小时内回访。" if o.draft.is_complaint else
                          ("" if self.panel.store is not None else NO_STORE_ZH))
        self.window.show_review()

    def show_last(self) -> None:
        p = self.panel
        if p.outcome is not None:
            self.show(p.outcome, p.practice.score if p.practice_mode else None)
        else:
            self.window.call_bar.set_status("还没有已结束的通话")

    def show_history(self) -> None:
        """记录: stored calls newest first, the call just finished selected (``ui.history``)."""
        o = self.panel.outcome
        open_history(self.window, self.panel.store, focus_call_id=o.saved_call_id if o is not None else None,
                     last_review=self.show_last if o is not None else None)

    def save_work_order(self, d: WorkOrder) -> None:
        """保存工单: the store writes it on its own thread; the review says when it is in."""
        o = self.panel.outcome
        if o is None:
            return
        o.draft = d  # the review edits the order it was shown (``replace``)
        store = self.panel.store
        if store is None:
            self.window.review.set_save_status("未连接通话记录库，工单没有保存")
            return
        order = replace(o.draft, call_id=o.saved_call_id or o.call_id, status="open" if d.is_complaint else "draft")
        self.window.review.set_save_status("正在保存…")
        self.panel.saves.submit(lambda: store.save_work_order(order), self._on_saved, self._on_save_error)

    def _on_saved(self, _order: object) -> None:
        self.window.review.set_save_status(f"已保存（{datetime.now():%H:%M:%S}）")

    def _on_save_error(self, exc: BaseException) -> None:
        log.error("saving the work order failed: %r", exc)
        self.window.review.set_save_status(f"保存失败：{user_message(exc, '工单')}")
