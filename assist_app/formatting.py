"""Times and durations as users see them (one place, so a call's 02:05 reads the same everywhere).

Three forms, each kept where it was already shown:

- ``clock``: a moment in the call, ``MM:SS`` (``--:--`` when unknown) — panel, score notes, QA report.
- ``duration_short``: a length in a table cell, ``M:SS`` (``—`` when unknown) — history list, CLI.
- ``duration_zh``: a length in prose or the saved report, ``M分SS秒`` (``—`` when unknown).
"""

from __future__ import annotations


def clock(t: float | None) -> str:
    """``MM:SS`` from seconds into the call (whole seconds, cut not rounded: a flag at 59.8 s is
    still in 00:59); ``--:--`` when the time is unknown."""
    if t is None:
        return "--:--"
    s = max(0, int(t))
    return f"{s // 60:02d}:{s % 60:02d}"


def duration_short(seconds: float | None) -> str:
    """``M:SS`` (rounded to the second), ``—`` when unknown."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def duration_zh(seconds: float | None) -> str:
    """``M分SS秒`` (rounded to the second), ``—`` when unknown."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    return f"{s // 60}分{s % 60:02d}秒"
