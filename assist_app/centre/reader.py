"""What the supervisor/trainer window reads from the centre (plain Python, psycopg 3, no Qt).

Every query runs as the viewer's own role, so row-level security decides what it sees: a
supervisor gets the seats of its teams, a trainer its trainees' practice results.

``LiveWallFeed`` keeps the wall current: a thread LISTENs on ``assist_live`` and, on a
notification (coalesced over ``coalesce_s``), re-reads ``seat_live`` and queues a fresh snapshot;
it also re-reads every ``refresh_s`` so seats that went quiet show as offline.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assist_app.centre.pgschema import LIVE_CHANNEL
from assist_app.centre.tables import TABLES
from assist_app.store import queries
from assist_app.store.models import CallFilter, CallRecord, CallSummary, SearchHit, TranscriptLine, WorkOrder
from assist_app.store.schema import migrate
from assist_app.store.writer import StoreUnavailableError

log = logging.getLogger(__name__)

OFFLINE_AFTER_S = 20.0


@dataclass(frozen=True, slots=True)
class SeatTile:
    """One seat on the wall."""

    seat_id: str
    team: str
    state: str  # idle | on_call | offline
    agent_name: str
    call_id: str | None
    call_started: float | None
    emotion: str | None
    emotion_intensity: float | None
    escalating: bool
    flag_rule: str | None
    flag_matched: str | None
    flag_severity: str | None
    flag_wall: float | None
    banned_repeats: int
    sent: float
    age_s: float

    @property
    def alerts_zh(self) -> list[str]:
        out = []
        if self.state == "on_call" and self.escalating:
            out.append("客户情绪升级")
        if self.state == "on_call" and self.banned_repeats >= 2:
            out.append(f"重复使用禁用语（{self.banned_repeats} 次）")
        return out


_WALL_SQL = (
    "SELECT l.seat_id, coalesce(s.team, ''), l.state, l.agent_name, l.call_id, l.call_started, l.emotion, "
    "l.emotion_intensity, l.escalating, l.flag_rule, l.flag_matched, l.flag_severity, l.flag_wall, "
    "l.banned_repeats, l.sent, extract(epoch FROM now() - l.updated) "
    "FROM assist.seat_live l LEFT JOIN assist.seats s USING (seat_id) ORDER BY s.team, l.seat_id"
)


def read_wall(conn: Any) -> list[SeatTile]:
    rows = conn.execute(_WALL_SQL).fetchall()
    conn.commit()
    tiles = []
    for r in rows:
        age = float(r[15] or 0.0)
        state = "offline" if age > OFFLINE_AFTER_S else r[2]
        tiles.append(SeatTile(r[0], r[1], state, r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], r[10], r[11],
                              r[12], int(r[13] or 0), float(r[14]), age))
    return tiles


class LiveWallFeed:
    """LISTEN/NOTIFY → wall snapshots on ``snapshots`` (a bounded queue; the GUI drains it)."""

    def __init__(self, conninfo: str, *, coalesce_s: float = 0.2, refresh_s: float = 5.0) -> None:
        self.conninfo = conninfo
        self.coalesce_s = coalesce_s
        self.refresh_s = refresh_s
        self.snapshots: queue.Queue[list[SeatTile] | str] = queue.Queue(maxsize=8)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="live-wall", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _put(self, item: list[SeatTile] | str) -> None:
        try:
            self.snapshots.put_nowait(item)
        except queue.Full:  # the GUI only needs the newest
            with contextlib.suppress(queue.Empty):
                self.snapshots.get_nowait()
            self.snapshots.put_nowait(item)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {LIVE_CHANNEL}")
                    self._put(read_wall(conn))
                    last = time.monotonic()
                    while not self._stop.is_set():
                        got = False
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            got = True
                        if got:  # let a burst of heartbeats land, then read once
                            for _ in conn.notifies(timeout=self.coalesce_s):
                                pass
                        if got or time.monotonic() - last >= self.refresh_s:
                            self._put(read_wall(conn))
                            last = time.monotonic()
            except Exception as exc:
                log.info("live wall connection failed: %s", exc)
                self._put(f"连接中心失败，正在重试：{exc}".strip())
                self._stop.wait(2.0)


# -- trends ------------------------------------------------------------------------------------


def banned_per_agent_week(conn: Any, weeks: int = 8) -> list[tuple[str, datetime, int]]:
    """(agent, week start, banned-phrase flags) for the last ``weeks`` weeks."""
    rows = conn.execute(
        "SELECT coalesce(nullif(c.agent_name, ''), c.agent_id, c.seat_id), "
        "date_trunc('week', to_timestamp(f.wall)) AS wk, count(*) "
        "FROM assist.flags f JOIN assist.calls c ON c.seat_id = f.seat_id AND c.id = f.call_id "
        "WHERE f.kind = 'banned_phrase' AND f.second_pass != 'unsupported' "
        "AND f.wall >= extract(epoch FROM now()) - %s * 7 * 86400 "
        "GROUP BY 1, 2 ORDER BY 2, 1",
        (weeks,),
    ).fetchall()
    conn.commit()
    return [(r[0], r[1], int(r[2])) for r in rows]


def score_distribution(conn: Any) -> list[float]:
    rows = conn.execute("SELECT total FROM assist.qa_scores").fetchall()
    conn.commit()
    return [float(r[0]) for r in rows]


def emotion_outcomes(conn: Any) -> dict[str, int]:
    rows = conn.execute(
        "SELECT coalesce(max_emotion, 'neutral'), count(*) FROM assist.calls WHERE status != 'active' GROUP BY 1"
    ).fetchall()
    conn.commit()
    return {r[0]: int(r[1]) for r in rows}


def trainee_progress(conn: Any) -> list[tuple[str, str, float | None, datetime]]:
    rows = conn.execute(
        "SELECT trainee, scenario_id, score, to_timestamp(started) FROM assist.practice_results "
        "ORDER BY trainee, started"
    ).fetchall()
    conn.commit()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


# -- calls (the review view) -------------------------------------------------------------------

SEP = "/"


class CentreCalls:
    """A read-only stand-in for ``CallStore`` over the centre, for the seat's history/review view.

    Call ids are ``<seat id>/<call id>``. ``get_call`` copies the call's rows into an in-memory
    SQLite file with the seat's own schema and reads it with the seat's own query, so the review
    shows exactly what the seat's review would.
    """

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._lock = threading.Lock()
        self._conn: Any = None

    def _pg(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.conninfo)
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        import psycopg

        with self._lock:
            try:
                conn = self._pg()
                rows = conn.execute(sql, params).fetchall()
                conn.commit()
                return list(rows)
            except psycopg.Error as exc:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
                raise StoreUnavailableError(f"读取中心数据库失败：{exc}".strip()) from exc

    @staticmethod
    def _where(f: CallFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if f.since is not None:
            clauses.append("c.started >= %s")
            params.append(f.since.timestamp())
        if f.until is not None:
            clauses.append("c.started < %s")
            params.append(f.until.timestamp())
        if f.agent:
            clauses.append("(c.agent_id = %s OR c.agent_name LIKE %s OR c.seat_id = %s)")
            params += [f.agent, f"%{f.agent}%", f.agent]
        if f.has_flags is not None:
            clauses.append("c.flag_count > 0" if f.has_flags else "c.flag_count = 0")
        if f.min_score is not None:
            clauses.append("c.score >= %s")
            params.append(f.min_score)
        if f.max_score is not None:
            clauses.append("c.score <= %s")
            params.append(f.max_score)
        if f.emotion:
            clauses.append("c.max_emotion = %s")
            params.append(f.emotion)
        if f.status:
            clauses.append("c.status = %s")
            params.append(f.status)
        if f.mode:
            clauses.append("c.mode = %s")
            params.append(f.mode)
        return " AND ".join(clauses), params

    _SUMMARY = ("SELECT c.seat_id || '/' || c.id, c.started, c.ended, c.duration, c.status, c.end_reason, c.agent_id, "
                "c.agent_name, c.source, c.mode, c.score, c.max_emotion, c.max_emotion_intensity, c.utterance_count, "
                "c.flag_count, c.high_flag_count, c.scenario_id FROM assist.calls c")

    def list_calls(self, filters: CallFilter | None = None) -> list[CallSummary]:
        f = filters or CallFilter()
        where, params = self._where(f)
        rows = self._query(f"{self._SUMMARY} WHERE {where} ORDER BY c.started DESC LIMIT %s OFFSET %s",
                           [*params, f.limit, f.offset])
        return [queries._summary(r) for r in rows]

    def search(self, text: str, filters: CallFilter | None = None) -> list[SearchHit]:
        terms = [t for t in text.split() if t]
        if not terms:
            return []
        f = filters or CallFilter()
        where, params = self._where(f)
        cond = " AND ".join(
            "EXISTS (SELECT 1 FROM assist.utterances u WHERE u.seat_id = c.seat_id AND u.call_id = c.id "
            "AND strpos(lower(u.text), lower(%s)) > 0)" for _ in terms)
        rows = self._query(f"{self._SUMMARY} WHERE {where} AND {cond} ORDER BY c.started DESC LIMIT %s",
                           [*params, *terms, f.limit])
        hits = []
        for r in rows:
            seat, cid = str(r[0]).split(SEP, 1)
            lines = self._query(
                'SELECT idx, speaker, text, start, "end", t, phase, call_phase, emotion, emotion_intensity '
                "FROM assist.utterances WHERE seat_id = %s AND call_id = %s AND strpos(lower(text), lower(%s)) > 0 "
                "ORDER BY idx LIMIT 5", [seat, cid, terms[0]])
            hits.append(SearchHit(call=queries._summary(r), lines=tuple(TranscriptLine(*ln) for ln in lines)))
        return hits

    def get_call(self, call_id: str) -> CallRecord | None:
        seat, _, cid = call_id.partition(SEP)
        mem = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrate(mem)
            for spec in TABLES:
                key = "id" if spec.local == "calls" else "call_id"
                rows = self._query(f"SELECT {spec.select_list} FROM assist.{spec.central} "
                                   f"WHERE seat_id = %s AND {key} = %s", [seat, cid])
                if not rows:
                    continue
                cols = ", ".join(f'"{c}"' for c in spec.columns)
                marks = ", ".join("?" * len(spec.columns))
                mem.executemany(f"INSERT OR REPLACE INTO {spec.local} ({cols}) VALUES ({marks})", rows)
            rec = queries.get_call(mem, cid)
        finally:
            mem.close()
        if rec is None:
            return None
        from dataclasses import replace

        return replace(rec, summary=replace(rec.summary, id=call_id))

    def save_work_order(self, order: WorkOrder) -> WorkOrder:
        raise StoreUnavailableError("中心记录为只读：工单请在坐席端修改。")
