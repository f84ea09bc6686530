"""The supervisor/trainer window (issue 16): live wall, alerts, team trends, trainee progress, calls.

Reads the centre as the viewer's own role (row-level security scopes it). The wall follows
``LiveWallFeed`` (LISTEN/NOTIFY on a worker thread, drained here by a QTimer); trends and lists
are read on the history view's background-read helper, never in a slot.
"""

from __future__ import annotations

import csv
import logging
import queue
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assist_app.centre import reader
from assist_app.centre.reader import CentreCalls, LiveWallFeed, SeatTile
from assist_app.store.report import emotion_zh
from assist_app.ui.background import BackgroundJobs
from assist_app.ui.bar_chart import BarChart, BarSeries
from assist_app.ui.history import HistoryController
from assist_app.ui.history_view import HistoryDialog
from assist_app.ui.theme import mmss

log = logging.getLogger(__name__)

EMOTION_TILE = {"angry": "#c2453b", "complaint_escalation": "#8e2c6e", "anxious": "#d98b1e",
                "negative_other": "#b26b3f", "neutral": "#7b8794", "positive": "#3f9b5a"}
STATE_ZH = {"idle": "空闲", "on_call": "通话中", "offline": "离线"}


class SeatTileWidget(QFrame):
    """One seat: name, state and call time, customer emotion, last flag."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(168, 96)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(2)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        self.state = QLabel()
        self.emotion = QLabel()
        self.flag = QLabel()
        self.flag.setWordWrap(True)
        for w in (self.title, self.state, self.emotion, self.flag):
            lay.addWidget(w)
        self.tile: SeatTile | None = None

    def show_tile(self, t: SeatTile, now: float) -> None:
        self.tile = t
        self.title.setText(f"{t.agent_name or t.seat_id}  <span style='color:#7b8794'>{t.seat_id}</span>")
        if t.state == "on_call" and t.call_started:
            self.state.setText(f"通话中 {mmss(max(0.0, now - t.call_started))}")
        else:
            self.state.setText(STATE_ZH.get(t.state, t.state))
        if t.state == "on_call" and t.emotion:
            colour = EMOTION_TILE.get(t.emotion, "#7b8794")
            self.emotion.setText(f"客户情绪：<span style='color:{colour}'>{emotion_zh(t.emotion)}</span>"
                                 + ("  ▲升级" if t.escalating else ""))
        else:
            self.emotion.setText("客户情绪：—")
        if t.state == "on_call" and t.flag_rule:
            self.flag.setText(f"最近提醒：{t.flag_matched or t.flag_rule}")
        else:
            self.flag.setText("")
        border = "#c2453b" if t.alerts_zh else ("#2f6fb0" if t.state == "on_call" else "#d0d5db")
        bg = "#f4f5f7" if t.state == "offline" else "#ffffff"
        self.setStyleSheet(f"SeatTileWidget {{ border: 2px solid {border}; border-radius: 6px; background: {bg}; }}")


class LiveWall(QWidget):
    """The grid of seats and the alert list beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        self.summary = QLabel("正在连接中心…")
        self.summary.setStyleSheet("font-size: 15px;")
        left.addWidget(self.summary)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(6)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        left.addWidget(scroll, 1)
        outer.addLayout(left, 4)
        right = QVBoxLayout()
        right.addWidget(QLabel("提醒"))
        self.alerts = QListWidget()
        self.alerts.setMinimumWidth(250)
        right.addWidget(self.alerts, 1)
        outer.addLayout(right, 1)
        self.tiles: dict[str, SeatTileWidget] = {}
        self.columns = 6
        self.last: list[SeatTile] = []
        self._alert_keys: set[tuple[str, str, str | None]] = set()

    def show_tiles(self, tiles: list[SeatTile]) -> None:
        self.last = tiles
        now = time.time()
        ids = [t.seat_id for t in tiles]
        if list(self.tiles) != ids:
            for w in self.tiles.values():
                w.deleteLater()
            self.tiles = {}
            for i, sid in enumerate(ids):
                w = SeatTileWidget()
                self.grid.addWidget(w, i // self.columns, i % self.columns)
                self.tiles[sid] = w
        for t in tiles:
            self.tiles[t.seat_id].show_tile(t, now)
            for text in t.alerts_zh:
                key = (t.seat_id, text.split("（")[0], t.call_id)
                if key not in self._alert_keys:
                    self._alert_keys.add(key)
                    self.alerts.insertItem(0, f"{time.strftime('%H:%M:%S')}  {t.agent_name or t.seat_id}：{text}")
        on_call = sum(t.state == "on_call" for t in tiles)
        offline = sum(t.state == "offline" for t in tiles)
        alerts = sum(bool(t.alerts_zh) for t in tiles)
        self.summary.setText(f"坐席 {len(tiles)}　通话中 {on_call}　空闲 {len(tiles) - on_call - offline}　"
                             f"离线 {offline}　需要关注 {alerts}")

    def tick(self) -> None:
        now = time.time()
        for w in self.tiles.values():
            if w.tile is not None:
                w.show_tile(w.tile, now)


class TrendsView(QWidget):
    """Banned phrases per agent per week, QA score distribution, emotion outcomes."""

    SCORE_BINS = tuple(f"{lo}–{lo + 10}" for lo in range(0, 100, 10))
    WEEK_PALETTE = ("#2f6fb0", "#d98b1e", "#3f9b5a", "#8e2c6e", "#c2453b", "#52606d", "#b26b3f", "#7b8794")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QGridLayout(self)
        self.banned = BarChart("禁用语（每周，按坐席）", y_label="次数")
        self.scores = BarChart("质检得分分布", y_label="通话数", x_label="得分")
        self.emotions = BarChart("通话情绪结果（最强情绪）", y_label="通话数")
        lay.addWidget(self.banned, 0, 0, 1, 2)
        lay.addWidget(self.scores, 1, 0)
        lay.addWidget(self.emotions, 1, 1)
        self.data: dict[str, Any] = {}

    def show_data(self, banned: list[tuple[str, Any, int]], scores: list[float], emotions: dict[str, int]) -> None:
        self.data = {"banned": banned, "scores": scores, "emotions": emotions}
        weeks = sorted({w for _, w, _ in banned})
        totals: dict[str, int] = defaultdict(int)
        for a, _, n in banned:
            totals[a] += n
        agents = sorted(sorted(totals), key=lambda a: -totals[a])[:12]  # the 12 with the most
        counts = {(a, w): n for a, w, n in banned}
        self.banned.set_data(agents, [
            BarSeries(f"{w:%m-%d} 周", tuple(float(counts.get((a, w), 0)) for a in agents),
                      (self.WEEK_PALETTE[j % len(self.WEEK_PALETTE)],))
            for j, w in enumerate(weeks)
        ])
        if scores:
            hist = [0.0] * len(self.SCORE_BINS)
            for s in scores:  # ten bins of ten points, 100 in the last (as numpy.histogram did)
                hist[min(len(hist) - 1, max(0, int(s // 10)))] += 1
            self.scores.set_data(self.SCORE_BINS, [BarSeries("", tuple(hist), ("#2f6fb0",))])
        else:
            self.scores.clear()
        labels = [k for k in ("positive", "neutral", "anxious", "negative_other", "angry", "complaint_escalation")
                  if k in emotions]
        self.emotions.set_data([emotion_zh(k) for k in labels], [
            BarSeries("", tuple(float(emotions[k]) for k in labels), tuple(EMOTION_TILE[k] for k in labels))
        ])


class SupervisorWindow(QMainWindow):
    """Tabs: 实时墙 / 团队趋势 / 学员进度 / 通话记录; F11 or 大屏模式 for the full-screen wallboard."""

    def __init__(self, conninfo: str, *, who: str = "") -> None:
        super().__init__()
        self.setWindowTitle(f"坐席助手 · 班长看板{('（' + who + '）') if who else ''}")
        self.conninfo = conninfo
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self.wall = LiveWall()
        self.trends = TrendsView()
        self.progress = QTableWidget(0, 4)
        self.progress.setHorizontalHeaderLabels(["学员", "练习场景", "得分", "时间"])
        self.progress.horizontalHeader().setStretchLastSection(True)
        self.history = HistoryDialog()
        self.history.setWindowFlags(Qt.WindowType.Widget)
        self.calls = CentreCalls(conninfo)
        self.history_controller = HistoryController(self.history, self.calls)
        self.tabs.addTab(self.wall, "实时墙")
        self.tabs.addTab(self.trends, "团队趋势")
        self.tabs.addTab(self.progress, "学员进度")
        self.tabs.addTab(self.history, "通话记录")
        self.status = self.statusBar()
        bar = self.addToolBar("操作")
        bar.setMovable(False)
        self.wallboard_action = QAction("大屏模式", self)
        self.wallboard_action.setShortcut(QKeySequence("F11"))
        self.wallboard_action.triggered.connect(self.toggle_wallboard)
        refresh = QAction("刷新趋势", self)
        refresh.triggered.connect(self.refresh_reports)
        export = QAction("导出…", self)
        export.triggered.connect(self.export_dialog)
        for a in (self.wallboard_action, refresh, export):
            bar.addAction(a)
        self._reads = BackgroundJobs(self, name="supervisor-read")
        self.feed = LiveWallFeed(conninfo)
        self._drain = QTimer(self)
        self._drain.timeout.connect(self.drain)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.wall.tick)
        self._report_conn: Any = None

    def start(self) -> None:
        self.feed.start()
        self._drain.start(200)
        self._clock.start(1000)
        self.refresh_reports()
        self.history_controller.refresh()

    def drain(self) -> None:
        latest: list[SeatTile] | str | None = None
        try:
            while True:
                latest = self.feed.snapshots.get_nowait()
        except queue.Empty:
            pass
        if isinstance(latest, str):
            self.wall.summary.setText(latest)
        elif latest is not None:
            self.wall.show_tiles(latest)

    def _read_reports(self) -> dict[str, Any]:
        import psycopg

        with psycopg.connect(self.conninfo) as conn:
            out: dict[str, Any] = {}
            for name, fn in (("banned", reader.banned_per_agent_week), ("scores", reader.score_distribution),
                             ("emotions", reader.emotion_outcomes), ("progress", reader.trainee_progress)):
                try:
                    out[name] = fn(conn)
                except psycopg.errors.InsufficientPrivilege:  # a trainer sees practice results only
                    conn.rollback()
                    out[name] = [] if name != "emotions" else {}
            return out

    def refresh_reports(self) -> None:
        self._reads.submit(self._read_reports, self.show_reports,
                           lambda exc: self.status.showMessage(f"读取趋势失败：{exc}"))

    def show_reports(self, data: dict[str, Any]) -> None:
        self.trends.show_data(data["banned"], data["scores"], data["emotions"])
        rows = data["progress"]
        self.progress.setRowCount(len(rows))
        for i, (trainee, scenario, score, when) in enumerate(rows):
            for j, v in enumerate((trainee, scenario, "—" if score is None else f"{score:.0f}",
                                   f"{when:%Y-%m-%d %H:%M}")):
                self.progress.setItem(i, j, QTableWidgetItem(v))
        self.status.showMessage(f"趋势已更新 {time.strftime('%H:%M:%S')}")

    def toggle_wallboard(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            self.setStyleSheet("")
            self.wall.columns = 6
        else:
            self.tabs.setCurrentWidget(self.wall)
            self.setStyleSheet("SeatTileWidget QLabel { font-size: 17px; }")
            self.wall.columns = 8
            self.showFullScreen()
        tiles = self.wall.last
        self.wall.tiles = {k: v for k, v in self.wall.tiles.items() if False}
        self.wall.show_tiles(tiles)

    def export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "导出到文件夹")
        if folder:
            self.export(Path(folder))

    def export(self, folder: Path) -> list[Path]:
        """The wall and the trends as CSV files (UTF-8 with BOM, opens in Excel)."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        p = folder / "实时墙.csv"
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["坐席", "班组", "坐席员", "状态", "客户情绪", "最近提醒", "提醒"])
            for t in self.wall.last:
                w.writerow([t.seat_id, t.team, t.agent_name, STATE_ZH.get(t.state, t.state),
                            emotion_zh(t.emotion) if t.emotion else "", t.flag_matched or "", "；".join(t.alerts_zh)])
        written.append(p)
        p = folder / "禁用语趋势.csv"
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["坐席员", "周", "次数"])
            for a, wk, n in self.trends.data.get("banned", []):
                w.writerow([a, f"{wk:%Y-%m-%d}", n])
        written.append(p)
        self.status.showMessage(f"已导出到 {folder}")
        return written

    def shutdown(self) -> None:
        self._drain.stop()
        self._clock.stop()
        self.feed.stop()
        self._reads.shutdown()
        self.history_controller.shutdown()
        self.calls.close()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
