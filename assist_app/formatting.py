"""Times and durations as users see them (one place, so a call's 02:05 reads the same everywhere).

Three forms, each kept where it was already shown:

- ``clock``: a moment in the call, ``MM:SS`` (``--:--`` when unknown) — panel, score notes, QA report.
- ``duration_short``: a length in a table cell, ``M:SS`` (``—`` when unknown) — history list, CLI.
- ``duration_zh``: a length in prose or the saved report, ``M分SS秒`` (``—`` when unknown).

And the Chinese names of emotion labels and formula steps as reports and tables print them.
"""

from __future__ import annotations

from assist_app.events import EmotionLabel, Phase


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


def emotion_zh(label: str | None) -> str:
    """The Chinese name of an emotion label (``—`` when there is none; unknown labels as given)."""
    if not label:
        return "—"
    try:
        return EmotionLabel(label).label_zh
    except ValueError:
        return label


def phase_zh(phase: str | None) -> str:
    """The Chinese name of a formula step (empty when there is none; unknown steps as given)."""
    if not phase:
        return ""
    try:
        return Phase(phase).label_zh
    except ValueError:
        return phase
