"""The writes the store's writer thread runs: plain data, so unsaved ones can be journalled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Write:
    """One SQL statement to run inside the next batch."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class FinishCall:
    """Close a call (``writer.finish_call``); re-runnable after a rollback or from a journal."""

    call_id: str
    status: str
    reason: str
    ended: float | None
    duration: float | None = None


WriteOp = Write | FinishCall
