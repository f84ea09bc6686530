"""Seat → centre replication: ships the seat's stored rows to PostgreSQL on its own thread.

The seat's SQLite file stays the first, durable write (DESIGN.md §3); this thread only *reads* it
(a read-only connection; WAL readers never block the store's writer) and never makes the seat
wait: when the centre is unreachable it retries with a bounded back-off and catches up later.

Per round, in one PostgreSQL transaction: for each table (``tables.TABLES``, calls first) up to
``batch`` rows past the table's high-water mark are upserted under the global key (seat id + the
local key), and the marks are written to ``assist.sync_state`` in the same transaction — so a
crash or a killed server either keeps rows *and* marks or neither, and a restarted seat resumes
exactly where the centre says it is. Rounds repeat until every table is caught up.

Nothing is sent that the store does not keep on disk: with "store nothing" there are no rows,
and the live heartbeat shows an idle seat.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assist_app.centre.config import CentreConfig
from assist_app.centre.counts import central_counts, local_counts
from assist_app.centre.live import SEAT_LIVE_UPSERT, LiveState, live_row, read_live_state
from assist_app.centre.tables import CALLS, SWEPT, SYNC_STATE_UPSERT, TABLES, TableSpec, upsert_sql
from assist_app.events import StatusCode, StatusEvent

log = logging.getLogger(__name__)

__all__ = ["Replicator", "ReplicatorStats", "central_counts", "local_counts"]  # counts: re-exported

StatusFn = Callable[[StatusEvent], None]


@dataclass(slots=True)
class ReplicatorStats:
    """Counters for `centre status`, the benchmark and tests (read without locking: informative)."""

    rows_sent: int = 0
    rounds: int = 0
    heartbeats: int = 0
    connected: bool = False
    last_ok: float | None = None
    last_error: str = ""
    failures: int = 0
    per_table: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Mark:
    value: float = 0.0
    key: str = ""


class Replicator:
    """Replicates one seat's store to the centre. ``start()`` runs it on a daemon thread."""

    KEEPALIVE_S = 5.0
    MAX_BACKOFF_S = 30.0

    def __init__(
        self,
        db_path: Path,
        config: CentreConfig,
        password: str | None,
        *,
        on_status: StatusFn | None = None,
        batch: int = 500,
        lookback_s: float = 10.0,
        max_backoff_s: float | None = None,
        connect: Callable[[str], Any] | None = None,
    ) -> None:
        if not config.seat_id:
            raise ValueError("replication needs a seat id")
        self.db_path = Path(db_path)
        self.config = config
        self.seat_id = config.seat_id
        self._password = password
        self._on_status = on_status
        self.batch = batch
        self.lookback_s = lookback_s
        self.max_backoff_s = self.MAX_BACKOFF_S if max_backoff_s is None else max_backoff_s
        self._connect_fn = connect
        self.stats = ReplicatorStats()
        self._pg: Any = None
        self._local: sqlite3.Connection | None = None
        self._local_ino: int | None = None
        self._data_version: int | None = None
        self._marks: dict[str, _Mark] = {}
        self._specs: tuple[TableSpec, ...] = TABLES  # fitted to the centre's columns on connect
        self._sent_recent: dict[tuple[str, int], float] = {}
        self._swept: dict[tuple[str, float], float] = {}
        self._last_live: LiveState | None = None
        self._last_live_sent = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._unreachable_reported = False

    # -- thread --------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"replicator-{self.seat_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread (after its current round) and close both connections."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("replicator thread did not stop within %.1f s", timeout)
            self._thread = None
        self._close_pg()
        self._close_local()

    def poke(self) -> None:
        """Run a cycle now instead of at the next interval."""
        self._wake.set()

    def _run(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self.sync_once()
                backoff = 1.0
                wait = self.config.interval_s
            except Exception as exc:  # network, server restart, auth: retry later, never raise into the seat
                self._failed(exc)
                wait = min(backoff, self.max_backoff_s)
                backoff = min(backoff * 2, self.max_backoff_s)
            self._wake.wait(wait)
            self._wake.clear()

    def _failed(self, exc: BaseException) -> None:
        self.stats.failures += 1
        self.stats.connected = False
        self.stats.last_error = f"{type(exc).__name__}: {exc}".strip()[:300]
        log.info("centre sync failed (%s); will retry", self.stats.last_error)
        self._close_pg()
        if not self._unreachable_reported:
            self._unreachable_reported = True
            self._status("centre_unreachable", "暂时连不上中心数据库，通话记录保存在本机，恢复后会自动补传。")

    def _status(self, code: str, message: str) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(StatusEvent(t=0.0, code=StatusCode(code), message=message))
        except Exception:
            log.exception("status callback failed")

    # -- connections ---------------------------------------------------------------------------

    def _ensure_pg(self) -> Any:
        if self._pg is not None and not self._pg.closed:
            return self._pg
        conninfo = self.config.conninfo(self._password, application_name=f"assist-seat-{self.seat_id}")
        if self._connect_fn is not None:
            conn = self._connect_fn(conninfo)
        else:
            import psycopg

            conn = psycopg.connect(conninfo, autocommit=False)
        try:
            self._load_marks(conn)
        except BaseException:
            conn.close()
            raise
        self._pg = conn
        self.stats.connected = True
        self._last_live = None  # re-send the live state on a new connection
        if self._unreachable_reported:
            self._unreachable_reported = False
            self._status("centre_recovered", "已重新连上中心数据库，正在补传通话记录。")
        return conn

    def _load_marks(self, conn: Any) -> None:
        rows = conn.execute(
            "SELECT tbl, hwm, hwm_key FROM assist.sync_state WHERE seat_id = %s", (self.seat_id,)
        ).fetchall()
        conn.commit()
        self._specs = self._fit_specs(conn)
        self._marks = {spec.central: _Mark() for spec in TABLES}
        for tbl, hwm, key in rows:
            if tbl in self._marks:
                self._marks[tbl] = _Mark(float(hwm), str(key))
        self._sent_recent.clear()
        self._swept.clear()
        self._data_version = None

    @staticmethod
    def _fit_specs(conn: Any) -> tuple[TableSpec, ...]:
        """The replicated tables with the columns the centre has (an older centre schema lacks the
        second pass's columns until its administrator migrates it: those are left out, not fatal)."""
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'assist'"
        ).fetchall()
        conn.commit()
        have: dict[str, set[str]] = {}
        for table, column in rows:
            have.setdefault(str(table), set()).add(str(column))
        specs = tuple(spec.fitted(have.get(spec.central, set())) for spec in TABLES)
        for spec, full in zip(specs, TABLES, strict=True):
            if spec is not full:
                log.warning("centre schema lacks %s columns %s; they are not replicated until it is migrated",
                            spec.central, sorted(set(full.columns) - set(spec.columns)))
        return specs

    def _close_pg(self) -> None:
        conn, self._pg = self._pg, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("closing the centre connection failed", exc_info=True)

    def _ensure_local(self) -> sqlite3.Connection | None:
        try:
            ino = os.stat(self.db_path).st_ino
        except FileNotFoundError:
            self._close_local()
            return None
        if self._local is not None and ino == self._local_ino:
            return self._local
        self._close_local()  # a new file (the store moved a damaged one aside): rowids start again
        uri = f"file:{self.db_path.as_posix()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0, check_same_thread=False)
        self._local, self._local_ino, self._data_version = conn, ino, None
        return conn

    def _close_local(self) -> None:
        conn, self._local = self._local, None
        if conn is not None:
            conn.close()

    # -- one cycle -----------------------------------------------------------------------------

    def sync_once(self) -> int:
        """Ship everything new, then the live state if it changed; returns rows shipped.

        Raises on connection problems (the thread catches them; the CLI reports them).
        """
        local = self._ensure_local()
        pg = self._ensure_pg()
        if local is None:
            self._heartbeat(pg, LiveState(), force=False)
            return 0
        version = int(local.execute("PRAGMA data_version").fetchone()[0])
        changed = version != self._data_version
        total = 0
        if changed:
            first = True
            while not self._stop.is_set():
                n, more = self._round(local, pg, first)
                first = False
                total += n
                if not more:
                    break
            self._data_version = version
        local.execute("BEGIN")
        try:
            state = read_live_state(local)
        finally:
            local.execute("COMMIT")
        self._heartbeat(pg, state, force=False)
        self.stats.last_ok = time.time()
        return total

    def _round(self, local: sqlite3.Connection, pg: Any, first: bool) -> tuple[int, bool]:
        shipments: list[tuple[TableSpec, list[tuple[Any, ...]]]] = []
        new_marks: dict[str, _Mark] = {}
        more = False
        local.execute("BEGIN")  # one snapshot for the whole round
        try:
            for spec in self._specs:
                rows, mark, full = self._select(local, spec, first)
                if full:
                    more = True
                if rows:
                    shipments.append((spec, [r[1:] for r in rows]))
                if mark is not None:
                    new_marks[spec.central] = mark
                if spec.local == CALLS.local and rows:
                    shipments.extend(self._sweep(local, rows))
        finally:
            local.execute("COMMIT")
        if not shipments and not new_marks:
            return 0, False
        n = 0
        with pg.transaction(), pg.cursor() as cur:
            for spec, rows in shipments:
                cur.executemany(upsert_sql(spec), [(self.seat_id, *r) for r in rows])
                n += len(rows)
                self.stats.per_table[spec.central] = self.stats.per_table.get(spec.central, 0) + len(rows)
            for tbl, mark in new_marks.items():
                cur.execute(SYNC_STATE_UPSERT, (self.seat_id, tbl, mark.value, mark.key))
        self._marks.update(new_marks)
        self.stats.rows_sent += n
        self.stats.rounds += 1
        return n, more

    def _select(
        self, local: sqlite3.Connection, spec: TableSpec, first: bool
    ) -> tuple[list[tuple[Any, ...]], _Mark | None, bool]:
        """Rows past the mark: (rows as (rowid, *columns)), the new mark or None, whether the batch was full."""
        mark = self._marks.setdefault(spec.central, _Mark())
        cols = spec.select_list
        if spec.marker == "rowid":
            start = int(mark.value)
            if start > 0 and self._rewound(local, spec, start, mark.key):
                log.warning("%s: the row at the high-water mark is gone or replaced; re-sending the table",
                            spec.local)
                start = 0
            rows = local.execute(
                f"SELECT rowid, {cols} FROM {spec.local} WHERE rowid > ? ORDER BY rowid LIMIT ?", (start, self.batch)
            ).fetchall()
            if not rows:
                return [], (_Mark(0.0, "") if start == 0 and mark.value > 0 else None), False
            last = rows[-1]
            return rows, _Mark(float(last[0]), self._row_key(spec, last)), len(rows) >= self.batch
        # time-marked, keyset-paginated on (time column, rowid); the first round looks back a little
        col = spec.marker
        lo = mark.value - self.lookback_s if first else mark.value
        lo_rowid = -1 if first and self.lookback_s > 0 else int(mark.key or 0)
        rows = local.execute(
            f"SELECT rowid, {cols} FROM {spec.local} WHERE {col} > ? OR ({col} = ? AND rowid > ?) "
            f"ORDER BY {col}, rowid LIMIT ?",
            (lo, lo, lo_rowid, self.batch),
        ).fetchall()
        if not rows:
            return [], None, False
        idx = spec.columns.index(col) + 1
        last = rows[-1]
        full = len(rows) >= self.batch
        last_value = float(last[idx])
        new_mark: _Mark | None = _Mark(last_value, str(last[0])) if last_value >= mark.value else None
        if new_mark is not None and (new_mark.value, new_mark.key) == (mark.value, mark.key):
            new_mark = None
        # Rows seen in the look-back window and unchanged since they were sent are not sent again.
        now = time.time()
        fresh = [r for r in rows if self._sent_recent.get((spec.local, int(r[0]))) != r[idx]]
        for r in fresh:
            self._sent_recent[(spec.local, int(r[0]))] = r[idx]
        if len(self._sent_recent) > 20000 or first:
            horizon = now - 2 * self.lookback_s
            self._sent_recent = {k: v for k, v in self._sent_recent.items() if v is not None and v >= horizon}
        return fresh, new_mark, full

    @staticmethod
    def _row_key(spec: TableSpec, row: tuple[Any, ...]) -> str:
        col = "started" if spec.local == "trainee_sessions" else "call_id"
        return str(row[spec.columns.index(col) + 1])

    @staticmethod
    def _rewound(local: sqlite3.Connection, spec: TableSpec, rowid: int, key: str) -> bool:
        col = "started" if spec.local == "trainee_sessions" else "call_id"
        row = local.execute(f"SELECT {col} FROM {spec.local} WHERE rowid = ?", (rowid,)).fetchone()
        return row is None or (bool(key) and str(row[0]) != key)

    def _sweep(self, local: sqlite3.Connection, call_rows: list[tuple[Any, ...]]) -> list[
            tuple[TableSpec, list[tuple[Any, ...]]]]:
        """Closed calls: re-ship the rows the seat edits after inserting them (once per close)."""
        status_i = CALLS.columns.index("status") + 1
        updated_i = CALLS.columns.index("updated") + 1
        out: list[tuple[TableSpec, list[tuple[Any, ...]]]] = []
        now = time.time()
        for r in call_rows:
            if r[status_i] == "active":
                continue
            memo = (str(r[1]), float(r[updated_i] or 0.0))
            if memo in self._swept:
                continue
            self._swept[memo] = now
            for spec in (s for s in self._specs if s.central in {w.central for w in SWEPT}):
                rows = local.execute(
                    f"SELECT {spec.select_list} FROM {spec.local} WHERE call_id = ?", (r[1],)
                ).fetchall()
                if rows:
                    out.append((spec, rows))
        if len(self._swept) > 5000:
            cutoff = now - 600
            self._swept = {k: v for k, v in self._swept.items() if v >= cutoff}
        return out

    # -- live state ----------------------------------------------------------------------------

    def _heartbeat(self, pg: Any, state: LiveState, *, force: bool) -> None:
        now = time.time()
        if not force and state == self._last_live and now - self._last_live_sent < self.KEEPALIVE_S:
            return
        with pg.transaction():
            pg.execute(SEAT_LIVE_UPSERT, live_row(self.seat_id, state, now))
        self._last_live = state
        self._last_live_sent = now
        self.stats.heartbeats += 1
