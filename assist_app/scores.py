"""The score card type shared by scoring, practice, the store and the reports (one type, issue 11).

``analysis.scoring.score_call`` builds it; the store saves and reads it back unchanged; the QA and
call reports render it. Plain data with no imports from the app, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """One line of the score card: ``key`` (``analysis.scoring.ScoreItemKey``), its Chinese name,
    the points given out of ``max_points`` and why points were lost."""

    key: str
    name_zh: str
    points: float
    max_points: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QAScore:
    """A call's score card: ``total`` out of ``max_total`` and its items in card order."""

    total: float
    items: tuple[ScoreItem, ...]
    max_total: float = 100.0

    def to_json(self) -> dict[str, object]:
        return {
            "total": round(self.total, 1),
            "items": [
                {
                    "key": i.key,
                    "name": i.name_zh,
                    "points": round(i.points, 1),
                    "max": i.max_points,
                    "notes": list(i.notes),
                }
                for i in self.items
            ],
        }
