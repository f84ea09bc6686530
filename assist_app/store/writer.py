# Kept whole at ~450 lines: one thread's state machine (queue, pending buffer, retries); file steps are in dbfile.py.
"""The single writer thread: owns the only SQLite connection, writes in small batches.

Everything that touches the file goes through one bounded queue to this thread (STYLE.md: one
writer owning the connection). Producers never block: ``submit`` is ``put_nowait``.

Durability: pending writes are committed at most ``COMMIT_INTERVAL_S`` (0.5 s) after the first of
them arrived, or sooner when a batch fills up. The file is in WAL mode with ``synchronous=FULL``, so
a committed batch survives a SIGKILL (and a power cut) — a killed process loses at most the last
half second or so of events.

When the file cannot be written (read-only or missing folder, full disk, a lock held too long) the
batch is rolled back and kept in memory; the writer retries every ``RETRY_INTERVAL_S`` and reports
once through ``on_status`` (``store_unavailable``), then again when writing resumes
(``store_recovered``). The memory buffer is bounded (``MAX_BUFFERED``); beyond it the oldest writes
are dropped and counted.

Opening: a file that is not a database or fails ``PRAGMA quick_check`` is moved aside as
``<name>.corrupt-<timestamp>`` (with its ``-wal``/``-shm``), never deleted, and a new file is started.
Calls left ``active`` by a process that no longer exists are marked ``interrupted``; retention runs.
The file-level steps (connecting, moving aside, housekeeping, closing a call) are in ``dbfile.py``.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assist_app.events import StatusCode, StatusEvent
from assist_app.store import journal
from assist_app.store.dbfile import (
    connect,
    connect_read_only,
    finish_call,
    housekeeping,
    is_corruption,
    move_aside,
    replay_journals,
)
from assist_app.store.ops import FinishCall, Write, WriteOp
from assist_app.store.schema import SchemaTooNewError

log = logging.getLogger(__name__)

StatusFn = Callable[[StatusEvent], None]


@dataclass(slots=True)
class Task:
    """A read or maintenance job run on the writer thread after pending writes are committed."""

    fn: Callable[[sqlite3.Connection], Any]
    future: concurrent.futures.Future[Any] = field(default_factory=concurrent.futures.Future)


@dataclass(slots=True)
class Barrier:
    """Commit everything submitted before it; ``ok`` tells whether that succeeded."""

    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


_STOP = object()


class StoreUnavailableError(RuntimeError):
    """The database cannot be read right now; ``message_zh`` is for the user."""

    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh


class StoreWriter(threading.Thread):
    """The writer thread. Create, ``start()``, wait for ``opened``; then ``submit`` and ``call``."""

    COMMIT_INTERVAL_S = 0.5
    RETRY_INTERVAL_S = 1.0
    HEARTBEAT_S = 30.0
    MAX_BATCH = 500
    MAX_BUFFERED = 200_000
    QUEUE_SIZE = 50_000
    BUSY_TIMEOUT_S = 5.0  # how long one attempt waits for another program's lock

    def __init__(
        self,
        path: Path,
        *,
        on_status: StatusFn | None = None,
        retention_days: int | None = None,
        max_page_count: int | None = None,
        journal_dirs: list[Path] | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(name="store-writer", daemon=True)
        # Reading commands (history list/export) open the file read-only: they work on a read-only
        # or full disk, and never run migrations, retention or journal replay.
        self.read_only = read_only
        self.path = path
        # Where writes that cannot reach the file are spilled at shutdown (``store.journal``).
        self.journal_dirs = journal_dirs if journal_dirs is not None else journal.default_journal_dirs(path)
        self.spilled_to: Path | None = None
        self.lost = 0  # writes neither in the file nor in a journal (every folder unwritable)
        self._on_status = on_status
        self._retention_days = retention_days
        self._max_page_count = max_page_count  # test hook: simulates a full disk (SQLITE_FULL)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self.QUEUE_SIZE)
        self._conn: sqlite3.Connection | None = None
        self._pending: deque[WriteOp] = deque()
        self._first_pending_at: float | None = None
        self._next_attempt_at = 0.0
        self._failing = False
        self._last_heartbeat = time.monotonic()
        self._active_calls: set[str] = set()  # calls this process started and has not finished
        self._active_lock = threading.Lock()
        self.opened = threading.Event()
        self.open_error: StoreUnavailableError | None = None
        self.notices: list[StatusEvent] = []
        self.dropped = 0
        self.committed_batches = 0

    # -- producer side (any thread) -----------------------------------------------------------

    def submit(self, op: WriteOp) -> bool:
        """Queue a write without blocking; False (and counted) if the queue is full."""
        try:
            self._queue.put_nowait(op)
            return True
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1:
                log.error("store queue full; dropping writes")
                self._status("store_overflow", "通话记录写入过慢，部分记录未能保存。")
            return False

    def call(self, fn: Callable[[sqlite3.Connection], Any], timeout: float = 30.0) -> Any:
        """Run ``fn(conn)`` on the writer thread and return its result (bounded wait)."""
        task = Task(fn)
        self._queue.put(task, timeout=timeout)
        return task.future.result(timeout=timeout)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is committed; False if it could not be."""
        barrier = Barrier()
        try:
            self._queue.put(barrier, timeout=timeout)
        except queue.Full:
            return False
        return barrier.done.wait(timeout) and barrier.ok

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what can be committed, close the connection and join the thread."""
        if not self.is_alive():
            return
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.error("store queue full at shutdown")
        self.join(timeout)
        if self.is_alive():
            log.error("store writer did not stop within %.1fs", timeout)

    def mark_active(self, call_id: str) -> None:
        """A call was started by this process (kept alive by heartbeats, closed at shutdown)."""
        with self._active_lock:
            self._active_calls.add(call_id)

    def mark_finished(self, call_id: str) -> None:
        with self._active_lock:
            self._active_calls.discard(call_id)

    def _active_snapshot(self) -> list[str]:
        with self._active_lock:
            return list(self._active_calls)

    @property
    def buffered(self) -> int:
        """Writes held in memory, not yet in the file."""
        return len(self._pending)

    # -- the thread ---------------------------------------------------------------------------

    def run(self) -> None:
        try:
            self._try_open(first=True)
        finally:
            self.opened.set()
        try:
            self._loop()
        except Exception:  # pragma: no cover - a bug; keep the app running
            log.exception("store writer crashed")
        finally:
            if self._conn is not None:
                try:
                    self._conn.close()
                except sqlite3.Error:
                    log.exception("closing the database failed")
                self._conn = None

    def _loop(self) -> None:
        while True:
            timeout = self._wait_time()
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                self._drain_nowait()
                self._finish_active("app_closed")
                self._flush(force=True)
                if self._pending:
                    self._spill()
                return
            if item is not None:
                self._handle(item)
                # Take what is already queued so a burst becomes one batch.
                for _ in range(self.MAX_BATCH):
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP:
                        self._queue.put(_STOP)  # handled on the next turn, after this batch
                        break
                    self._handle(nxt)
            now = time.monotonic()
            if (
                self._pending
                and self._first_pending_at is not None
                and (now - self._first_pending_at >= self.COMMIT_INTERVAL_S or len(self._pending) >= self.MAX_BATCH)
            ):
                self._flush()
            if now - self._last_heartbeat >= self.HEARTBEAT_S:
                self._heartbeat()

    def _wait_time(self) -> float:
        now = time.monotonic()
        if self._pending and self._first_pending_at is not None:
            due = self._first_pending_at + self.COMMIT_INTERVAL_S
            if self._failing:
                due = max(due, self._next_attempt_at)
            return max(0.0, due - now)
        return max(0.0, self._last_heartbeat + self.HEARTBEAT_S - now)

    def _drain_nowait(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                self._handle(item)

    def _handle(self, item: object) -> None:
        if isinstance(item, (Write, FinishCall)):
            self._pending.append(item)
            if self._first_pending_at is None:
                self._first_pending_at = time.monotonic()
            if len(self._pending) > self.MAX_BUFFERED:
                self._pending.popleft()
                self.dropped += 1
        elif isinstance(item, Task):
            self._flush()
            if self._conn is None:
                item.future.set_exception(StoreUnavailableError(self._unavailable_message()))
                return
            try:
                item.future.set_result(item.fn(self._conn))
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                item.future.set_exception(exc)
        elif isinstance(item, Barrier):
            self._flush(force=True)
            item.ok = not self._pending
            item.done.set()

    # -- opening -------------------------------------------------------------------------------

    def _unavailable_message(self) -> str:
        if self.read_only:
            return f"无法读取通话记录数据库（{self.path}）。"
        return (f"无法写入通话记录数据库（{self.path}），记录暂存在内存中，恢复后会自动保存；"
                "关闭程序时会另存到暂存文件。")

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return connect_read_only(self.path, self.BUSY_TIMEOUT_S)
        return connect(self.path, self.BUSY_TIMEOUT_S, self._max_page_count)

    def _try_open(self, *, first: bool) -> bool:
        try:
            try:
                conn = self._connect()
            except sqlite3.DatabaseError as exc:
                if self.read_only or not is_corruption(exc) or not self.path.exists():
                    raise
                moved = move_aside(self.path)
                log.error("database %s is damaged (%s); moved to %s, starting a new one", self.path, exc, moved)
                self._status(
                    "store_corrupt",
                    f"通话记录数据库已损坏，原文件已另存为 {moved.name}（未删除），已新建数据库继续记录。",
                    notice=first,
                )
                conn = self._connect()
        except SchemaTooNewError as exc:
            log.error("%s: %s", self.path, exc)
            self.open_error = StoreUnavailableError(
                "通话记录数据库由更新版本的坐席助手创建，当前版本无法使用，请升级软件。"
            )
            self._status("store_too_new", self.open_error.message_zh, notice=first)
            self._next_attempt_at = float("inf")  # never retried: the user must upgrade
            self._failing = True
            return False
        except (sqlite3.Error, OSError) as exc:
            log.warning("cannot open database %s: %s", self.path, exc)
            self._next_attempt_at = time.monotonic() + self.RETRY_INTERVAL_S
            if not self._failing:
                self._failing = True
                self._status("store_unavailable", self._unavailable_message(), notice=first)
            return False
        self._conn = conn
        if self.read_only:
            return True
        try:
            housekeeping(conn, set(self._active_snapshot()), self._retention_days)
            self._replay_journals(conn)
        except sqlite3.Error as exc:
            # Locked or full right now: the file is open, housekeeping and replay wait for the next open.
            log.warning("housekeeping on %s postponed: %s", self.path, exc)
        return True

    def _spill(self) -> None:
        """Closing with writes the file did not take: keep them in a journal for the next start."""
        ops = list(self._pending)
        target = journal.spill(self.path, ops, self.journal_dirs)
        if target is None:
            self.lost += len(ops)
            log.error("closing with %d writes that could not be saved anywhere", len(ops))
            return
        self.spilled_to = target
        self._pending.clear()
        self._status("store_spilled", f"有 {len(ops)} 条记录未能写入数据库，已另存到 {target}，下次启动时会自动补存。")

    def _replay_journals(self, conn: sqlite3.Connection) -> None:
        """Write the journals left by earlier runs into the file, then delete them."""
        for n in replay_journals(conn, self.path, self.journal_dirs, self._run_batch):
            self._status("store_replayed", f"上次未保存的 {n} 条记录已补存到数据库。", notice=True)

    # -- writing --------------------------------------------------------------------------------

    def _flush(self, force: bool = False) -> None:
        if not self._pending:
            self._first_pending_at = None
            return
        now = time.monotonic()
        if self._failing and not force and now < self._next_attempt_at:
            return
        if self._conn is None and not self._try_open(first=False):
            return
        conn = self._conn
        assert conn is not None
        batch = list(self._pending)
        try:
            try:
                self._run_batch(conn, batch)
                for _ in range(len(batch)):
                    self._pending.popleft()
            except sqlite3.IntegrityError:
                # A bad row (a bug) must not block every write after it: isolate it.
                log.exception("batch rejected; retrying writes one by one")
                self._run_one_by_one(conn, len(batch))
        except (sqlite3.Error, OSError) as exc:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    log.exception("rollback failed")
            self._next_attempt_at = time.monotonic() + self.RETRY_INTERVAL_S
            if not self._failing:
                self._failing = True
                log.warning("cannot write to %s (%s); buffering %d writes", self.path, exc, len(batch))
                self._status("store_unavailable", self._unavailable_message())
            return
        self._first_pending_at = time.monotonic() if self._pending else None
        self.committed_batches += 1
        if self._failing:
            self._failing = False
            log.warning("writing to %s again", self.path)
            self._status("store_recovered", "通话记录数据库已恢复，暂存的记录已保存。")
            try:
                self._replay_journals(conn)
            except sqlite3.Error as exc:
                log.warning("journal replay postponed: %s", exc)

    def _run_batch(self, conn: sqlite3.Connection, batch: list[WriteOp]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for op in batch:
                self._apply(conn, op)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _run_one_by_one(self, conn: sqlite3.Connection, count: int) -> None:
        for _ in range(count):
            op = self._pending[0]
            try:
                self._run_batch(conn, [op])
            except sqlite3.IntegrityError:
                log.exception("dropping a write that violates the schema: %r", op)
            self._pending.popleft()

    @staticmethod
    def _apply(conn: sqlite3.Connection, op: WriteOp) -> None:
        if isinstance(op, Write):
            conn.execute(op.sql, op.params)
        else:
            finish_call(conn, op.call_id, status=op.status, reason=op.reason, ended=op.ended, duration=op.duration)

    def _heartbeat(self) -> None:
        self._last_heartbeat = time.monotonic()
        now = time.time()
        active = self._active_snapshot()
        if not active:
            return
        for cid in active:
            self._pending.append(Write("UPDATE calls SET updated = ? WHERE id = ?", (now, cid)))
        if self._first_pending_at is None:
            self._first_pending_at = time.monotonic()

    def _finish_active(self, reason: str) -> None:
        for cid in self._active_snapshot():
            self._pending.append(FinishCall(call_id=cid, status="interrupted", reason=reason, ended=None))
            self.mark_finished(cid)

    def _status(self, code: str, message: str, *, notice: bool = False) -> None:
        event = StatusEvent(t=0.0, code=StatusCode(code), message=message)
        if notice:
            self.notices.append(event)
        if self._on_status is not None:
            try:
                self._on_status(event)
            except Exception:
                log.exception("status callback failed")
