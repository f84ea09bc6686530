"""The score card type shared by scoring, practice, the store and the reports (one type, issue 11),
and the card's items (``ScoreItemKey``: what scenarios may weight for practice).

``analysis.scoring.score_call`` builds it; the store saves and reads it back unchanged; the QA and
call reports render it. Plain data with no imports from the app, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


class ScoreItemKey(StrEnum):
    """The score card's items, in card order (the keys scenarios weight for practice)."""

    OPENING = "opening"
    CLOSING = "closing"
    FORMULA = "formula"
    ORDER = "order"
    LANGUAGE = "language"
    HOLD = "hold"
    INTERRUPTIONS = "interruptions"
    RATE = "rate"


#: Each item's Chinese name and full marks (the table in the module docstring).
ITEMS: dict[ScoreItemKey, tuple[str, float]] = {
    ScoreItemKey.OPENING: ("开场问候", 10.0),
    ScoreItemKey.CLOSING: ("结束语", 10.0),
    ScoreItemKey.FORMULA: ("话术公式", 25.0),
    ScoreItemKey.ORDER: ("先安抚后解释", 10.0),
    ScoreItemKey.LANGUAGE: ("服务用语", 25.0),
    ScoreItemKey.HOLD: ("等待规范", 10.0),
    ScoreItemKey.INTERRUPTIONS: ("不打断客户", 5.0),
    ScoreItemKey.RATE: ("语速", 5.0),
}
#: The item keys as plain strings, in card order.
SCORE_ITEM_KEYS: tuple[str, ...] = tuple(k.value for k in ScoreItemKey)
