"""Spill files for writes the database could not take (issue 13, item 1).

When the store closes while writes are still waiting in memory (full disk, a lock held too long,
an unwritable folder), they are written as JSON lines to a journal file in the first writable of
several folders (another folder than the database's comes first: the database's disk may be the full
one). The next time a store opens the same database, the journals are replayed into it in one
transaction each and deleted. A journal names its database by a hash of the database's absolute path,
so two databases on one PC never take each other's records.

Each line is one write: ``{"sql": "...", "params": [...]}`` or ``{"finish_call": {...}}``. The file is
written to ``<name>.tmp``, fsynced and renamed, so a journal is either complete or absent.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from assist_app.store.ops import FinishCall, Write, WriteOp

log = logging.getLogger(__name__)

JOURNAL_DIR_NAME = "unsaved"


def db_key(db_path: Path) -> str:
    """A short stable name for one database file."""
    resolved = str(Path(os.path.abspath(db_path)))
    return hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:12]


def default_journal_dirs(db_path: Path) -> list[Path]:
    """Where journals go, first writable wins: the user cache folder, the database's folder, temp."""
    return [
        Path(platformdirs.user_cache_dir("AgentAssist", appauthor=False)) / JOURNAL_DIR_NAME,
        db_path.parent / f"{db_path.name}.{JOURNAL_DIR_NAME}",
        Path(tempfile.gettempdir()) / f"AgentAssist-{JOURNAL_DIR_NAME}",
    ]


def _encode(value: object) -> object:
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(str(value["b64"]))
    return value


def op_to_json(op: WriteOp) -> dict[str, Any]:
    if isinstance(op, Write):
        return {"sql": op.sql, "params": [_encode(p) for p in op.params]}
    return {"finish_call": {"call_id": op.call_id, "status": op.status, "reason": op.reason,
                            "ended": op.ended, "duration": op.duration}}


def op_from_json(obj: dict[str, Any]) -> WriteOp:
    if "finish_call" in obj:
        f = obj["finish_call"]
        return FinishCall(call_id=str(f["call_id"]), status=str(f["status"]), reason=str(f["reason"]),
                          ended=f.get("ended"), duration=f.get("duration"))
    return Write(str(obj["sql"]), tuple(_decode(p) for p in obj["params"]))


def spill(db_path: Path, ops: Sequence[WriteOp], dirs: Iterable[Path]) -> Path | None:
    """Write ``ops`` to a new journal in the first folder that takes it; None if none did."""
    key = db_key(db_path)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    body = "".join(json.dumps(op_to_json(op), ensure_ascii=False) + "\n" for op in ops).encode("utf-8")
    for folder in dirs:
        target = folder / f"calls-{key}-{stamp}-{os.getpid()}.jsonl"
        tmp = target.with_name(target.name + ".tmp")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            log.warning("cannot write journal in %s: %s", folder, exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            continue
        log.warning("saved %d unsaved writes to %s", len(ops), target)
        return target
    return None


def pending_journals(db_path: Path, dirs: Iterable[Path]) -> list[Path]:
    """Journals of this database, oldest first."""
    key = db_key(db_path)
    found: list[Path] = []
    for folder in dirs:
        try:
            found.extend(p for p in folder.glob(f"calls-{key}-*.jsonl") if p.is_file())
        except OSError:
            continue
    return sorted(found, key=lambda p: p.name)


def read_journal(path: Path) -> list[WriteOp]:
    """The writes in one journal; a damaged line (never written by ``spill``) is logged and skipped."""
    ops: list[WriteOp] = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                ops.append(op_from_json(json.loads(raw.decode("utf-8"))))
            except (ValueError, KeyError, TypeError) as exc:
                log.error("%s:%d: unreadable journal line skipped (%s)", path, n, exc)
    return ops
