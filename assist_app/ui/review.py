"""Post-call review view (layout only): QA score card, flags with timestamps, the call's transcript,
the emotion timeline and the call's work order to edit (``ui.work_order_form``).

With 精校转写 on, the review follows the call's second pass (``follow``, a ``ReviewFeed``): the
transcript shows the corrected text, corrected lines marked 精校 with the live text in the tooltip,
and the flags carry the second pass's verdicts (``store.corrections``). Corrections may still come
after hang-up; a timer on the GUI thread polls the feed (no cross-thread signals) until it is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QVBoxLayout,
    QWidget,
)

from assist_app.events import EmotionReading, Flag
from assist_app.store.corrections import UNSUPPORTED, ReviewFeed, ReviewFlag, ReviewLine, mark_live_flags
from assist_app.store.models import WorkOrder
from assist_app.ui.theme import mmss
from assist_app.ui.timeline import EmotionTimeline
from assist_app.ui.work_order_form import WorkOrderForm


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One row of the score card."""

    name: str
    points: float
    max_points: float
    notes: tuple[str, ...] = ()
    applicable: bool = True  # False: the item never had the chance to happen (未涉及, not scored)


def merge_notes(notes: tuple[str, ...]) -> list[str]:
    """Notes sharing a heading are joined under it once: "缺少步骤：倾听、告别", not the heading per step."""
    merged: dict[str, list[str]] = {}
    out: list[str] = []
    for note in notes:
        head, sep, rest = note.partition("：")
        if sep and len(head) <= 6 and rest and "「" not in head:
            if head not in merged:
                merged[head] = []
                out.append(head)
            merged[head].append(rest)
        else:
            out.append(note)
    return [f"{n}：{'、'.join(merged[n])}" if n in merged else n for n in out]


def _section(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("section")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(8, 6, 8, 8)
    lay.setSpacing(4)
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    lay.addWidget(label)
    return frame, lay


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def score_colour(total: float) -> str:
    return "#3f9b5a" if total >= 80 else "#d98b1e" if total >= 60 else "#c2453b"


class ReviewView(QWidget):
    """Emits ``save_requested`` with the edited draft and ``back_requested`` to return to the panel."""

    save_requested = Signal(object)  # the edited WorkOrder
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # The title and 返回面板 stay above the scrolling part: scrolled down to the work order,
        # the way back used to scroll out of view (issue 12.19).
        outer.addWidget(self._build_header())
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area, 1)
        inner = QWidget()
        inner.setObjectName("root")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        for section in (self._build_score_card(), self._build_practice(), self._build_flags(),
                        self._build_transcript(), self._build_emotions(), self._build_work_order()):
            lay.addWidget(section)
        lay.addStretch(1)
        self.scroll_area.setWidget(inner)
        self.score_total: float | None = None
        self._feed: ReviewFeed | None = None
        self._live_flags: list[tuple[float, Flag]] = []
        self._seen: tuple[int, bool] | None = None  # the feed's (version, finished) last shown
        self._feed_timer = QTimer(self)
        self._feed_timer.setInterval(300)
        self._feed_timer.timeout.connect(self._refresh_feed)

    def _build_header(self) -> QWidget:
        header = QWidget()
        header.setObjectName("root")
        head = QHBoxLayout(header)
        head.setContentsMargins(6, 6, 6, 0)
        self.title = QLabel("通话回顾")
        self.title.setStyleSheet("font-weight:bold; font-size:15px; color:#2f6fb0;")
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        self.back_button = QPushButton("返回面板")
        self.back_button.clicked.connect(self.back_requested)
        head.addWidget(self.back_button)
        return header

    def _build_score_card(self) -> QFrame:
        card, card_lay = _section("质检评分")
        top = QHBoxLayout()
        self.total = QLabel("—")
        self.total.setStyleSheet("font-size:34px; font-weight:bold;")
        top.addWidget(self.total)
        self.total_note = QLabel("")
        self.total_note.setObjectName("muted")
        self.total_note.setWordWrap(True)
        top.addWidget(self.total_note, 1)
        card_lay.addLayout(top)
        self.items_grid = QGridLayout()
        self.items_grid.setVerticalSpacing(2)
        self.items_grid.setColumnStretch(1, 1)
        card_lay.addLayout(self.items_grid)
        return card

    def _build_practice(self) -> QFrame:
        """Practice mode only: pass/fail and the moments that cost points, with the better phrase."""
        self.practice_frame, practice_lay = _section("扣分的地方与更好的说法")
        self.practice_result = QLabel("")
        self.practice_result.setWordWrap(True)
        practice_lay.addWidget(self.practice_result)
        self.moments_list = QListWidget()
        self.moments_list.setWordWrap(True)
        self.moments_list.setMinimumHeight(120)
        practice_lay.addWidget(self.moments_list)
        self.practice_frame.hide()
        return self.practice_frame

    def _build_flags(self) -> QFrame:
        flags_frame, flags_lay = _section("服务忌语与规范提示")
        self.flags_list = QListWidget()
        self.flags_list.setWordWrap(True)
        self.flags_list.setFixedHeight(70)
        flags_lay.addWidget(self.flags_list)
        return flags_frame

    def _build_transcript(self) -> QFrame:
        self.transcript_frame, transcript_lay = _section("通话内容")
        self.second_pass_status = QLabel("")
        self.second_pass_status.setObjectName("muted")
        self.second_pass_status.setWordWrap(True)
        self.second_pass_status.hide()
        transcript_lay.addWidget(self.second_pass_status)
        self.transcript_list = QListWidget()
        self.transcript_list.setWordWrap(True)
        self.transcript_list.setMinimumHeight(140)
        transcript_lay.addWidget(self.transcript_list)
        self.transcript_frame.hide()  # shown when a call's transcript is given (``follow``)
        return self.transcript_frame

    def _build_emotions(self) -> QFrame:
        emo_frame, emo_lay = _section("客户情绪变化")
        self.timeline = EmotionTimeline()
        self.timeline.setFixedHeight(150)
        emo_lay.addWidget(self.timeline)
        return emo_frame

    def _build_work_order(self) -> QFrame:
        wo_frame, wo_lay = _section("工单草稿")
        self.work_order = WorkOrderForm()
        self.work_order.save_requested.connect(self.save_requested)
        wo_lay.addWidget(self.work_order)
        return wo_frame

    def verticalScrollBar(self) -> QScrollBar:
        return self.scroll_area.verticalScrollBar()

    # -- fill --------------------------------------------------------------------------------

    def show_header(self, title: str) -> None:
        self.title.setText(title)

    def show_score(self, total: float | None, lines: list[ScoreLine]) -> None:
        self.score_total = total
        while self.items_grid.count():
            item = self.items_grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        if total is None:
            self.total.setText("—")
            self.total_note.setText("评分模块不可用")
            return
        self.total.setText(f"{total:.0f}")
        self.total.setStyleSheet(f"font-size:34px; font-weight:bold; color:{score_colour(total)};")
        lost = [ln for ln in lines if ln.applicable and ln.points < ln.max_points]
        idle = [ln for ln in lines if not ln.applicable]
        self.total_note.setText("满分 100。" + (f"扣分项 {len(lost)} 个，见下。" if lost else "各项均达标。")
                                + (f"{len(idle)} 项未涉及，不计分。" if idle else ""))
        for row, ln in enumerate(lines):
            name = QLabel(ln.name)
            if not ln.applicable:
                na = QLabel("未涉及")
                na.setObjectName("muted")
                na.setToolTip("这次练习没有出现需要这一项的情况，不计入总分")
                self.items_grid.addWidget(name, row * 2, 0)
                self.items_grid.addWidget(na, row * 2, 1, 1, 2)
                continue
            bar = QProgressBar()
            bar.setRange(0, max(1, round(ln.max_points * 10)))
            bar.setValue(round(ln.points * 10))
            bar.setTextVisible(False)
            bar.setFixedHeight(8)
            ratio = ln.points / ln.max_points if ln.max_points else 1.0
            colour = "#3f9b5a" if ratio >= 0.99 else "#d98b1e" if ratio >= 0.5 else "#c2453b"
            bar.setStyleSheet(f"QProgressBar::chunk {{ background:{colour}; }}")
            pts = QLabel(f"{_num(ln.points)}/{_num(ln.max_points)}")
            pts.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.items_grid.addWidget(name, row * 2, 0)
            self.items_grid.addWidget(bar, row * 2, 1)
            self.items_grid.addWidget(pts, row * 2, 2)
            if ln.notes and ln.points < ln.max_points:
                note = QLabel("\n".join(merge_notes(ln.notes)))  # every note: each banned phrase counts
                note.setObjectName("muted")
                note.setWordWrap(True)
                self.items_grid.addWidget(note, row * 2 + 1, 0, 1, 3)

    def show_practice(self, passed: bool | None, pass_score: float, moments: list[str], *,
                      complete: bool = True) -> None:
        """A practice result (``passed`` None hides the section: an ordinary call)."""
        self.practice_frame.setVisible(passed is not None)
        self.moments_list.clear()
        if passed is None:
            return
        colour = "#3f9b5a" if passed else "#c2453b"
        verdict = "通过" if passed else "未完成" if not complete else "未通过"
        self.practice_result.setText(f"<span style='color:{colour}; font-weight:bold'>{verdict}</span>"
                                     f"（及格线 {pass_score:.0f} 分）")
        for text in moments or ["没有扣分的地方，做得很好。"]:
            self.moments_list.addItem(text)

    def show_flags(self, flags: Sequence[tuple[float, Flag] | ReviewFlag]) -> None:
        """Flags by time; a ``ReviewFlag`` carries the second pass's verdict, shown beside it."""
        self.flags_list.clear()
        for entry in flags:
            verdict = entry if isinstance(entry, ReviewFlag) else None
            t, f = (entry.t, entry.flag) if isinstance(entry, ReviewFlag) else entry
            said = f"“{f.matched}”" if f.matched else ""
            label = f"【{verdict.label}】" if verdict is not None and verdict.label else ""
            text = f"{mmss(t)}  {label}{f.message or f.rule} {said}"
            if f.replacement:
                text += f"\n　建议：{f.replacement}"
            item = QListWidgetItem(text)
            if verdict is not None and verdict.second_pass == UNSUPPORTED:
                item.setForeground(QBrush(QColor("#9aa5b1")))
                item.setToolTip("精校转写的文字里没有这句忌语，可能是实时识别听错了；不计入提示条数")
            elif verdict is not None and verdict.label:
                item.setToolTip("实时识别没有听出、精校转写发现的忌语")
            self.flags_list.addItem(item)
        if not flags:
            self.flags_list.addItem("本次通话没有提示。")
        rows = max(1, min(6, self.flags_list.count()))
        self.flags_list.setFixedHeight(12 + rows * (self.fontMetrics().height() * (2 if flags else 1) + 4))

    def show_transcript(self, lines: Sequence[ReviewLine]) -> None:
        """The call's utterances; a line the second pass corrected is marked 精校 and keeps the
        live recognizer's text in its tooltip."""
        self.transcript_frame.show()
        self.transcript_list.clear()
        for ln in lines:
            who = "坐席" if ln.speaker == "agent" else "客户"
            mark = "（精校）" if ln.corrected else ""
            item = QListWidgetItem(f"{mmss(ln.t)} {who}{mark}：{ln.text}")
            if ln.corrected:
                item.setForeground(QBrush(QColor("#2f6fb0")))
                item.setToolTip(f"实时识别：{ln.first_pass or ''}")
            self.transcript_list.addItem(item)
        if not lines:
            self.transcript_list.addItem("本次通话没有识别到说话内容。")

    def follow(self, feed: ReviewFeed | None, flags: Sequence[tuple[float, Flag]]) -> None:
        """Show the call's live ``flags`` and, with a ``feed``, its transcript, updated with the
        second pass's corrections and verdicts as they come (also after hang-up)."""
        self._feed_timer.stop()
        self._feed, self._live_flags, self._seen = feed, list(flags), None
        if feed is None:
            self.transcript_frame.hide()
            self.second_pass_status.hide()
            self.show_flags(self._live_flags)
            return
        self._refresh_feed()
        if not feed.finished:
            self._feed_timer.start()

    def _refresh_feed(self) -> None:
        feed = self._feed
        if feed is None:
            self._feed_timer.stop()
            return
        finished = feed.finished
        seen = (feed.version, finished)
        if seen == self._seen:
            return
        self._seen = seen
        corrections = feed.corrections()
        self.show_transcript(feed.lines())
        self.show_flags(mark_live_flags(self._live_flags, corrections) if corrections else self._live_flags)
        if finished:
            self._feed_timer.stop()
            score = feed.score
            if score is not None and self.score_total is not None:  # re-scored on the corrected text
                self.show_score(score.total, [ScoreLine(i.name_zh, i.points, i.max_points, tuple(i.notes))
                                              for i in score.items])
                self.total_note.setText(self.total_note.text() + "按精校转写后的文字重新评分。")
        status = self._second_pass_text(feed, len(corrections), finished)
        self.second_pass_status.setText(status)
        self.second_pass_status.setVisible(bool(status))

    @staticmethod
    def _second_pass_text(feed: ReviewFeed, corrected: int, finished: bool) -> str:
        if not finished:
            return f"精校转写进行中：已更正 {corrected} 句，完成后这里会自动更新。"
        if feed.version == 0 and not corrected:
            return ""  # no second pass for this call
        return f"精校转写完成：更正 {corrected} 句。" if corrected else "精校转写完成：没有需要更正的句子。"

    def show_emotions(self, points: list[tuple[float, EmotionReading]]) -> None:
        self.timeline.set_points(points)

    def show_draft(self, order: WorkOrder) -> None:
        """The work order to edit; ``draft()`` and ``save_requested`` give it back edited."""
        self.work_order.show_order(order)

    def draft(self) -> WorkOrder:
        return self.work_order.order()

    def set_save_status(self, text: str) -> None:
        self.work_order.save_status.setText(text)
