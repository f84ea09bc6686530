"""``CallStore``: the one object the app, the UI and the CLI use to keep and read call records."""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from assist_app.events import Event, StatusEvent
from assist_app.scores import QAScore
from assist_app.store import queries
from assist_app.store.models import (
    CallFilter,
    CallMeta,
    CallRecord,
    CallSummary,
    SearchHit,
    StoreSettings,
    TraineeSession,
    WorkOrder,
)
from assist_app.store.paths import resolve_db_path
from assist_app.store.privacy import Masker
from assist_app.store.recorder import CallRecorder, NullRecorder
from assist_app.store.writer import StoreUnavailableError, StoreWriter

log = logging.getLogger(__name__)

T = TypeVar("T")


class CallStore:
    """Call records in one SQLite file, written by one background thread.

    ``CallStore(path)`` starts the writer and waits (bounded) for the file to open; problems found
    while opening (a damaged file moved aside, an unwritable folder) are in ``notices`` as
    ``StatusEvent`` s with Chinese messages, and are also passed to ``on_status`` — which is called
    on the writer thread and must not block (e.g. put on the UI's queue). ``close()`` commits what it
    can and joins the thread; use the store as a context manager in scripts and tests.

    Reads raise ``StoreUnavailableError`` (with ``message_zh``) while the file cannot be opened.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        settings: StoreSettings | None = None,
        on_status: Callable[[StatusEvent], None] | None = None,
        open_timeout: float = 15.0,
        journal_dirs: list[Path] | None = None,
        read_only: bool = False,
        _max_page_count: int | None = None,
    ) -> None:
        self.settings = settings or StoreSettings()
        self.path = resolve_db_path(path)
        self.masker = Masker(numbers=self.settings.mask_numbers, names=self.settings.mask_names)
        self._writer = StoreWriter(
            self.path,
            on_status=on_status,
            retention_days=self.settings.retention_days,
            max_page_count=_max_page_count,
            journal_dirs=journal_dirs,
            read_only=read_only,
        )
        self._writer.start()
        if not self._writer.opened.wait(open_timeout):
            log.error("opening %s took longer than %.0fs", self.path, open_timeout)
        self._closed = False

    # -- state ------------------------------------------------------------------------------------

    @property
    def notices(self) -> tuple[StatusEvent, ...]:
        """What happened while opening (corrupt file moved aside, folder not writable...)."""
        return tuple(self._writer.notices)

    @property
    def buffered(self) -> int:
        """Writes held in memory because the file cannot be written right now."""
        return self._writer.buffered

    @property
    def dropped(self) -> int:
        return self._writer.dropped

    @property
    def spilled_to(self) -> Path | None:
        """The journal file unsaved writes went to at ``close()`` (None: nothing was left over)."""
        return self._writer.spilled_to

    @property
    def lost(self) -> int:
        """Writes that reached neither the file nor a journal (every journal folder unwritable)."""
        return self._writer.lost

    # -- recording --------------------------------------------------------------------------------

    def recorder(self, meta: CallMeta | None = None) -> Callable[[Event], None]:
        """A ``CallSession`` sink recording one session's calls (a no-op when ``store_nothing``)."""
        if self.settings.store_nothing:
            return NullRecorder()
        return CallRecorder(self._writer, meta or CallMeta(), self.masker)

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until everything recorded so far is in the file; False if it could not be written."""
        return self._writer.flush(timeout)

    # -- reading ----------------------------------------------------------------------------------

    LOCK_RETRIES = 3
    LOCK_RETRY_WAIT_S = 1.0

    def _call(self, fn: Callable[[sqlite3.Connection], T], timeout: float = 30.0) -> T:
        """Run ``fn`` on the writer thread; a locked file is retried a few times, then reported."""
        if self._closed:
            raise StoreUnavailableError("通话记录数据库已关闭。")
        for attempt in range(self.LOCK_RETRIES):
            try:
                result: T = self._writer.call(fn, timeout)
                return result
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if "locked" not in text and "busy" not in text:
                    raise StoreUnavailableError(f"通话记录数据库暂时无法使用：{exc}") from exc
                log.warning("database %s is locked (attempt %d): %s", self.path, attempt + 1, exc)
                time.sleep(self.LOCK_RETRY_WAIT_S)
            except (concurrent.futures.TimeoutError, queue.Full) as exc:
                raise StoreUnavailableError("通话记录数据库响应超时，请稍后再试。") from exc
        raise StoreUnavailableError("通话记录数据库正被其他程序占用，请稍后再试。")

    def list_calls(self, filters: CallFilter | None = None) -> list[CallSummary]:
        """Calls newest first, filtered by date range, agent, flags, score, emotion, status."""
        f = filters or CallFilter()
        return self._call(lambda c: queries.list_calls(c, f))

    def search(self, text: str, filters: CallFilter | None = None) -> list[SearchHit]:
        """Full-text search over (masked) transcripts; every whitespace-separated term must occur."""
        f = filters or CallFilter()
        return self._call(lambda c: queries.search(c, text, f))

    def get_call(self, call_id: str) -> CallRecord | None:
        """Everything about one call: transcript, flags, emotions, suggestions, score, work order."""
        return self._call(lambda c: queries.get_call(c, call_id))

    def list_trainee_sessions(self, trainee: str | None = None) -> list[TraineeSession]:
        return self._call(lambda c: queries.list_trainee_sessions(c, trainee))

    # -- editing ----------------------------------------------------------------------------------

    def _tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                out = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return out

        return self._call(run)

    def save_score(self, call_id: str, score: QAScore) -> None:
        """Store a call's QA score (``analysis.scoring.score_call``'s card)."""
        self._tx(lambda c: queries.save_score(c, call_id, score))

    def save_work_order(self, order: WorkOrder) -> WorkOrder:
        """Create or replace the work order of ``order.call_id``; returns it as stored (masked)."""
        m = self.masker
        masked = WorkOrder(
            call_id=order.call_id,
            date=order.date,
            time=order.time,
            caller_name=m(order.caller_name) if self.settings.mask_names else order.caller_name,
            caller_title=order.caller_title,
            gender=order.gender,
            phone=m(order.phone),
            summary=m(order.summary),
            handling=m(order.handling),
            follow_up=order.follow_up.replace(second=0, microsecond=0) if order.follow_up else None,
            is_complaint=order.is_complaint,
            status=order.status,
        )
        if self.settings.mask_names and masked.caller_name:
            masked = _replace_name(masked)
        self._tx(lambda c: queries.save_work_order(c, masked))
        return masked

    def save_trainee_session(self, session: TraineeSession) -> int:
        """Store a trainer-mode run; returns its id. What the trainee said is masked like a call."""
        from dataclasses import replace

        masked = replace(session, items=tuple(_mask_values(item, self.masker) for item in session.items))
        return self._tx(lambda c: queries.save_trainee_session(c, masked))

    def delete_older_than(self, days: int) -> int:
        """Delete finished calls that started more than ``days`` days ago; returns how many."""
        return self._tx(lambda c: queries.delete_older_than(c, days))

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self, timeout: float = 10.0) -> None:
        """Commit what can be committed, close the file and join the writer thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._writer.stop(timeout)

    def __enter__(self) -> CallStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _mask_values(value: Any, masker: Masker) -> Any:
    """Every string inside a JSON-able value, masked (practice moments: what was said)."""
    if isinstance(value, str):
        return masker(value)
    if isinstance(value, dict):
        return {k: _mask_values(v, masker) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_values(v, masker) for v in value]
    return value


def _replace_name(order: WorkOrder) -> WorkOrder:
    from dataclasses import replace

    return replace(order, caller_name="*" * len(order.caller_name))
