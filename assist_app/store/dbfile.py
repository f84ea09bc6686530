"""The database file itself: connecting (read-write or read-only), recognising and moving aside a
damaged file, housekeeping at open, and closing a call from its stored rows. Plain functions used
by the writer thread (``writer.py``), which owns the only connection."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from assist_app.procutil import process_alive
from assist_app.store import journal
from assist_app.store.ops import WriteOp
from assist_app.store.schema import SchemaTooNewError, migrate

log = logging.getLogger(__name__)


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL/SHM) out of the way; returns the new main-file path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def connect_read_only(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """A read-only connection (immutable when the disk is read-only); refuses a newer schema."""
    if not path.is_file():
        raise sqlite3.OperationalError(f"no database at {path}")
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=busy_timeout_s)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        # A WAL file on a read-only disk cannot get its shared-memory file: read it as immutable
        # (nothing can be writing to it there).
        log.info("read-only open of %s failed (%s); opening as immutable", path, exc)
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
    conn.execute("PRAGMA query_only=ON")
    version = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    from assist_app.store.schema import SCHEMA_VERSION

    if version and version[0] is not None and int(version[0]) > SCHEMA_VERSION:
        conn.close()
        raise SchemaTooNewError(int(version[0]))
    return conn


def connect(path: Path, busy_timeout_s: float, max_page_count: int | None = None) -> sqlite3.Connection:
    """The writer's connection: WAL, ``synchronous=FULL``, checked (``quick_check``) and migrated.
    ``max_page_count`` is a test hook that simulates a full disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_s)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("journal_mode is %s, not wal", mode)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        if max_page_count is not None:
            conn.execute(f"PRAGMA max_page_count={int(max_page_count)}")
        check = conn.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check failed: {check[0] if check else '?'} (malformed)")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def housekeeping(conn: sqlite3.Connection, mine: set[str], retention_days: int | None) -> None:
    """Mark calls of dead processes interrupted (``mine``: calls this process has open); apply
    retention (calls older than ``retention_days``)."""
    now = time.time()
    rows = conn.execute("SELECT id, writer_pid FROM calls WHERE status = 'active'").fetchall()
    stale = [cid for cid, pid in rows if cid not in mine and not (pid and process_alive(int(pid)))]
    if stale:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for cid in stale:
                finish_call(conn, cid, status="interrupted", reason="crash", ended=None)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.warning("marked %d unfinished call(s) as interrupted: %s", len(stale), ", ".join(stale))
    if retention_days is not None and retention_days > 0:
        cutoff = now - retention_days * 86400
        conn.execute("BEGIN IMMEDIATE")
        try:
            n = conn.execute("DELETE FROM calls WHERE started < ? AND status != 'active'", (cutoff,)).rowcount
            conn.execute("DELETE FROM trainee_sessions WHERE started < ?", (cutoff,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if n:
            log.info("retention: deleted %d call(s) older than %d days", n, retention_days)


def finish_call(
    conn: sqlite3.Connection,
    call_id: str,
    *,
    status: str,
    reason: str,
    ended: float | None,
    duration: float | None = None,
) -> None:
    """Close a call: status, end time and the summary columns computed from its child rows.

    Re-runnable (pure function of the stored rows), so it can be replayed after a rollback. When
    ``ended`` is None (a crash) the last thing written for the call gives the end time.
    """
    if ended is None:
        row = conn.execute(
            "SELECT max(w) FROM (SELECT max(wall) AS w FROM utterances WHERE call_id = :c "
            "UNION ALL SELECT max(wall) FROM flags WHERE call_id = :c "
            "UNION ALL SELECT max(wall) FROM emotions WHERE call_id = :c "
            "UNION ALL SELECT updated FROM calls WHERE id = :c "
            "UNION ALL SELECT started FROM calls WHERE id = :c)",
            {"c": call_id},
        ).fetchone()
        ended = float(row[0]) if row and row[0] is not None else time.time()
    if duration is None:
        row = conn.execute('SELECT max(coalesce("end", t)) FROM utterances WHERE call_id = ?', (call_id,)).fetchone()
        duration = float(row[0]) if row and row[0] is not None else None
    emo = conn.execute(
        "SELECT label, intensity FROM emotions WHERE call_id = ? ORDER BY "
        "CASE label WHEN 'complaint_escalation' THEN 5 WHEN 'angry' THEN 4 WHEN 'anxious' THEN 3 "
        "WHEN 'negative_other' THEN 2 WHEN 'neutral' THEN 1 ELSE 0 END DESC, intensity DESC LIMIT 1",
        (call_id,),
    ).fetchone()
    conn.execute(
        """UPDATE calls SET status = ?, end_reason = ?, ended = ?, duration = ?, updated = ?,
               max_emotion = ?, max_emotion_intensity = ?,
               utterance_count = (SELECT count(*) FROM utterances WHERE call_id = calls.id),
               flag_count = (SELECT count(*) FROM flags WHERE call_id = calls.id
                             AND second_pass != 'unsupported'),
               high_flag_count = (SELECT count(*) FROM flags WHERE call_id = calls.id AND severity = 'high'
                                  AND second_pass != 'unsupported')
           WHERE id = ?""",
        (
            status,
            reason,
            ended,
            duration,
            time.time(),
            emo[0] if emo else None,
            emo[1] if emo else None,
            call_id,
        ),
    )


def replay_journals(conn: sqlite3.Connection, db_path: Path, journal_dirs: Sequence[Path],
                    run_batch: Callable[[sqlite3.Connection, list[WriteOp]], None]) -> Iterator[int]:
    """Write the journals earlier runs left for ``db_path`` into the file and delete them; yields
    the number of writes of each journal replayed (stops at the first one the file will not take)."""
    for path in journal.pending_journals(db_path, list(journal_dirs)):
        try:
            ops = journal.read_journal(path)
        except OSError as exc:
            log.error("cannot read journal %s: %s", path, exc)
            continue
        try:
            run_batch(conn, ops)
        except sqlite3.IntegrityError:
            # Part of it is already in the file (a crash after commit, before delete): row by row.
            for op in ops:
                try:
                    run_batch(conn, [op])
                except sqlite3.IntegrityError:
                    log.info("journal write already stored or invalid, skipped: %r", op)
        except sqlite3.Error as exc:
            log.warning("journal %s not replayed yet: %s", path, exc)
            return
        try:
            path.unlink()
        except OSError as exc:
            log.error("replayed journal %s could not be deleted: %s", path, exc)
        log.warning("replayed %d saved writes from %s", len(ops), path)
        yield len(ops)
