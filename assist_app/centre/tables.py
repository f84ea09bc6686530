"""Which seat tables are replicated, with which columns, keys and change markers.

The central copy of a table has the seat's columns plus ``seat_id``; its primary key is global
(seat id + the local row's natural key). Natural keys (``call_id, idx`` rather than the local
rowid) are used wherever the seat has one, so a local rowid reused after a deletion can never
overwrite another call's row centrally.

``marker`` is how new or changed rows are found on the seat (a per-table high-water mark kept on
the centre, committed in the same transaction as the rows):

* ``rowid`` — append-only rows, the SQLite rowid only grows while the newest row exists;
* ``updated`` / ``created`` — a time column the writer sets on every change, read with a look-back
  window because the value is taken when an event is queued, up to a commit interval before the
  row becomes visible.

Rows the seat edits after inserting them (an utterance's phase and emotion, a flag's utterance
index, a suggestion marked as used, the call's score) are shipped again once their call is closed:
see ``Replicator._sweep``. The second pass (精校转写, issue 14) edits a closed call's utterances,
flags and score; the recorder and ``save_score`` move ``calls.updated``, so the call is swept again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One replicated table: local name, central name, columns copied, conflict key, change marker."""

    local: str
    central: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # central primary key without seat_id
    marker: str  # "rowid" | a time column name
    per_call: bool = True  # has a call_id column (re-shipped when the call closes)

    @property
    def select_list(self) -> str:
        return ", ".join(f'"{c}"' for c in self.columns)

    def fitted(self, available: set[str]) -> TableSpec:
        """This table with only the columns the centre has: a seat newer than the centre's schema
        keeps replicating what the centre can hold (migrations only add columns)."""
        if not available or all(c in available for c in self.columns):
            return self
        return replace(self, columns=tuple(c for c in self.columns if c in available))


CALLS = TableSpec(
    "calls", "calls",
    ("id", "session_call_id", "started", "ended", "duration", "status", "end_reason", "agent_id", "agent_name",
     "source", "mode", "score", "max_emotion", "max_emotion_intensity", "utterance_count", "flag_count",
     "high_flag_count", "updated", "scenario_id"),
    ("id",), "updated", per_call=False,
)
UTTERANCES = TableSpec(
    "utterances", "utterances",
    ("id", "call_id", "idx", "speaker", "text", "start", "end", "t", "wall", "phase", "call_phase", "emotion",
     "emotion_intensity", "asr_text", "corrected"),
    ("call_id", "idx"), "rowid",
)
FLAGS = TableSpec(
    "flags", "flags",
    ("id", "call_id", "utterance_idx", "t", "wall", "speaker", "rule", "kind", "severity", "span_start", "span_end",
     "matched", "message", "replacement", "text", "final", "second_pass"),
    ("call_id", "id"), "rowid",
)
EMOTIONS = TableSpec(
    "emotions", "emotions",
    ("id", "call_id", "utterance_idx", "t", "wall", "label", "intensity", "cues", "text"),
    ("call_id", "id"), "rowid",
)
SUGGESTIONS = TableSpec(
    "suggestions", "suggestions",
    ("id", "call_id", "seq", "t", "wall", "step", "text", "reason", "phrase_id", "used", "used_t"),
    ("call_id", "seq"), "rowid",
)
CONDUCT = TableSpec(
    "conduct", "conduct",
    ("id", "call_id", "t", "wall", "speaker", "rule", "severity", "message", "value"),
    ("call_id", "id"), "rowid",
)
QA_SCORES = TableSpec(
    "qa_scores", "qa_scores",
    ("call_id", "total", "max_total", "items", "created"),
    ("call_id",), "rowid",
)
WORK_ORDERS = TableSpec(
    "work_orders", "work_orders",
    ("id", "call_id", "date", "time", "caller_name", "caller_title", "gender", "phone", "summary", "handling",
     "follow_up", "is_complaint", "status", "created", "updated"),
    ("call_id",), "updated",
)
PRACTICE = TableSpec(
    "trainee_sessions", "practice_results",
    ("id", "call_id", "scenario_id", "trainee", "score", "items", "started", "ended"),
    ("id", "started"), "rowid", per_call=False,
)

# Shipping order inside one transaction: calls before the rows that refer to them.
TABLES: tuple[TableSpec, ...] = (CALLS, UTTERANCES, FLAGS, EMOTIONS, SUGGESTIONS, CONDUCT, QA_SCORES, WORK_ORDERS,
                                 PRACTICE)
# Rows edited after insertion, re-shipped when their call closes.
SWEPT: tuple[TableSpec, ...] = (UTTERANCES, FLAGS, SUGGESTIONS, QA_SCORES, WORK_ORDERS)


def upsert_sql(spec: TableSpec) -> str:
    """The centre's insert-or-update of one replicated row of ``spec`` (seat id first)."""
    cols = ", ".join(["seat_id", *(f'"{c}"' for c in spec.columns)])
    marks = ", ".join(["%s"] * (len(spec.columns) + 1))
    key = ", ".join(["seat_id", *spec.key])
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in spec.columns if c not in spec.key)
    return (f"INSERT INTO assist.{spec.central} ({cols}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}")


#: A seat's high-water mark for one table, written in the same transaction as the rows it covers.
SYNC_STATE_UPSERT = (
    "INSERT INTO assist.sync_state(seat_id, tbl, hwm, hwm_key, updated) "
    "VALUES (%s, %s, %s, %s, now()) ON CONFLICT (seat_id, tbl) DO UPDATE SET "
    "hwm = excluded.hwm, hwm_key = excluded.hwm_key, updated = now()"
)
