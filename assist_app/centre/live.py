"""A seat's live state (idle / on a call, customer emotion, last flag), read from its own store.

Read from the local SQLite file rather than from the pipeline so that it shows exactly what the
seat keeps: with "store nothing" the centre sees the seat online and idle, never the call.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import Any

NEGATIVE = ("angry", "complaint_escalation", "anxious", "negative_other")


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the wall shows for one seat."""

    state: str = "idle"  # idle | on_call
    agent_name: str = ""
    call_id: str | None = None
    call_started: float | None = None
    emotion: str | None = None
    emotion_intensity: float | None = None
    emotion_wall: float | None = None
    escalating: bool = False
    flag_rule: str | None = None
    flag_matched: str | None = None
    flag_severity: str | None = None
    flag_wall: float | None = None
    flags_in_call: int = 0
    banned_repeats: int = 0


_LIVE_COLUMNS = tuple(f.name for f in fields(LiveState))  # ``assist.seat_live``'s columns, in this order

#: The centre's insert-or-update of one seat's live row (``live_row`` gives its parameters).
SEAT_LIVE_UPSERT = (
    f"INSERT INTO assist.seat_live(seat_id, {', '.join(_LIVE_COLUMNS)}, sent, updated) "
    f"VALUES ({','.join(['%s'] * (len(_LIVE_COLUMNS) + 2))}, now()) ON CONFLICT (seat_id) DO UPDATE SET "
    + "".join(f"{c} = excluded.{c}, " for c in _LIVE_COLUMNS) + "sent = excluded.sent, updated = now()"
)


def live_row(seat_id: str, state: LiveState, sent: float) -> tuple[Any, ...]:
    return (seat_id, *(getattr(state, c) for c in _LIVE_COLUMNS), sent)


def is_escalating(readings: list[tuple[str, float]]) -> bool:
    """Newest-first (label, intensity) readings of the call's customer: is it getting worse?

    Escalating when the latest reading declares escalation (投诉/12315/找领导: DESIGN.md cues), or
    the last three readings are all negative with intensity rising.
    """
    if not readings:
        return False
    if readings[0][0] == "complaint_escalation":
        return True
    last = readings[:3]
    if len(last) < 3 or any(label not in NEGATIVE for label, _ in last):
        return False
    return last[0][1] > last[1][1] > last[2][1]


def read_live_state(conn: sqlite3.Connection) -> LiveState:
    """The live state from the newest active call of the store (idle when there is none)."""
    row = conn.execute(
        "SELECT id, started, agent_name FROM calls WHERE status = 'active' ORDER BY started DESC LIMIT 1"
    ).fetchone()
    if row is None:
        last = conn.execute("SELECT agent_name FROM calls ORDER BY started DESC LIMIT 1").fetchone()
        return LiveState(agent_name=last[0] if last else "")
    call_id, started, agent_name = row
    readings = conn.execute(
        "SELECT label, intensity, wall FROM emotions WHERE call_id = ? ORDER BY id DESC LIMIT 3", (call_id,)
    ).fetchall()
    flag = conn.execute(
        "SELECT rule, matched, severity, wall FROM flags WHERE call_id = ? AND second_pass != 'unsupported' "
        "ORDER BY id DESC LIMIT 1", (call_id,)
    ).fetchone()
    counts = conn.execute(
        "SELECT count(*), (SELECT max(n) FROM (SELECT count(DISTINCT coalesce(utterance_idx, -id)) AS n "
        "FROM flags WHERE call_id = :c AND kind = 'banned_phrase' AND second_pass != 'unsupported' GROUP BY rule)) "
        "FROM flags WHERE call_id = :c AND second_pass != 'unsupported'",  # 精校: not what was said
        {"c": call_id},
    ).fetchone()
    return LiveState(
        state="on_call",
        agent_name=agent_name,
        call_id=call_id,
        call_started=started,
        emotion=readings[0][0] if readings else None,
        emotion_intensity=readings[0][1] if readings else None,
        emotion_wall=readings[0][2] if readings else None,
        escalating=is_escalating([(r[0], r[1]) for r in readings]),
        flag_rule=flag[0] if flag else None,
        flag_matched=flag[1] if flag else None,
        flag_severity=flag[2] if flag else None,
        flag_wall=flag[3] if flag else None,
        flags_in_call=int(counts[0] or 0),
        banned_repeats=int(counts[1] or 0),
    )
