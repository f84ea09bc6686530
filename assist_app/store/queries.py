# Kept whole at ~400 lines: one plain function per query, sharing only the row readers at the top.
"""Read and edit queries; each takes the writer's connection and runs on the writer thread."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from assist_app.scores import QAScore, ScoreItem
from assist_app.store.models import (
    CallFilter,
    CallRecord,
    CallSummary,
    ConductRecord,
    EmotionPoint,
    FlagRecord,
    SearchHit,
    SuggestionRecord,
    TraineeSession,
    TranscriptLine,
    WorkOrder,
)

# Live counts for calls still being written (their summary columns are filled at the end).
_CALL_SELECT = (
    "SELECT c.id, c.started, c.ended, c.duration, c.status, c.end_reason, c.agent_id, c.agent_name, "
    "c.source, c.mode, c.score, c.max_emotion, c.max_emotion_intensity, "
    "CASE WHEN c.status = 'active' THEN (SELECT count(*) FROM utterances u WHERE u.call_id = c.id) "
    "ELSE c.utterance_count END, "
    "CASE WHEN c.status = 'active' "
    "THEN (SELECT count(*) FROM flags f WHERE f.call_id = c.id AND f.second_pass != 'unsupported') "
    "ELSE c.flag_count END, c.high_flag_count, c.scenario_id FROM calls c"
)


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value) if value is not None else None


def _summary(row: Sequence[Any]) -> CallSummary:
    return CallSummary(
        id=row[0],
        started=datetime.fromtimestamp(row[1]),
        ended=_dt(row[2]),
        duration=row[3],
        status=row[4],
        end_reason=row[5],
        agent_id=row[6],
        agent_name=row[7],
        source=row[8],
        mode=row[9],
        score=row[10],
        max_emotion=row[11],
        max_emotion_intensity=row[12],
        utterance_count=int(row[13] or 0),
        flag_count=int(row[14] or 0),
        high_flag_count=int(row[15] or 0),
        scenario_id=row[16] or "",
    )


def _where(f: CallFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.since is not None:
        clauses.append("c.started >= ?")
        params.append(f.since.timestamp())
    if f.until is not None:
        clauses.append("c.started < ?")
        params.append(f.until.timestamp())
    if f.agent:
        clauses.append("(c.agent_id = ? OR c.agent_name = ?)")
        params += [f.agent, f.agent]
    if f.has_flags is True:
        clauses.append("EXISTS (SELECT 1 FROM flags x WHERE x.call_id = c.id AND x.second_pass != 'unsupported')")
    elif f.has_flags is False:
        clauses.append("NOT EXISTS (SELECT 1 FROM flags x WHERE x.call_id = c.id AND x.second_pass != 'unsupported')")
    if f.min_score is not None:
        clauses.append("c.score >= ?")
        params.append(f.min_score)
    if f.max_score is not None:
        clauses.append("c.score <= ?")
        params.append(f.max_score)
    if f.emotion:
        clauses.append("c.max_emotion = ?")
        params.append(f.emotion)
    if f.status:
        clauses.append("c.status = ?")
        params.append(f.status)
    if f.mode:
        clauses.append("c.mode = ?")
        params.append(f.mode)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_calls(conn: sqlite3.Connection, f: CallFilter) -> list[CallSummary]:
    where, params = _where(f)
    rows = conn.execute(
        f"{_CALL_SELECT}{where} ORDER BY c.started DESC LIMIT ? OFFSET ?", [*params, f.limit, f.offset]
    ).fetchall()
    return [_summary(r) for r in rows]


def _line(row: Sequence[Any]) -> TranscriptLine:
    return TranscriptLine(
        idx=row[0],
        speaker=row[1],
        text=row[2],
        start=row[3],
        end=row[4],
        t=row[5],
        phase=row[6],
        call_phase=row[7],
        emotion=row[8],
        emotion_intensity=row[9],
        corrected=bool(row[10]),
        asr_text=row[11],
    )


_LINE_COLUMNS = (
    'u.idx, u.speaker, u.text, u.start, u."end", u.t, u.phase, u.call_phase, u.emotion, u.emotion_intensity, '
    "u.corrected, u.asr_text"
)


def search(conn: sqlite3.Connection, text: str, f: CallFilter, max_lines: int = 5) -> list[SearchHit]:
    """Calls whose transcript contains every whitespace-separated term (case-insensitive substrings).

    Terms of 3+ characters use the trigram FTS index; shorter ones (投诉, 退款) an ``instr`` scan.
    Results newest first, each with up to ``max_lines`` matching utterances.
    """
    terms = [t for t in text.split() if t]
    if not terms:
        return []
    matches: dict[str, list[int]] | None = None  # call id -> matching utterance row ids
    for term in terms:
        if len(term) >= 3:
            phrase = '"' + term.replace('"', '""') + '"'
            rows = conn.execute(
                "SELECT u.id, u.call_id FROM utterances_fts JOIN utterances u ON u.id = utterances_fts.rowid "
                "WHERE utterances_fts MATCH ?",
                (phrase,),
            ).fetchall()
        elif term.lower() == term.upper():  # no letters (Chinese, digits): no case folding needed
            rows = conn.execute("SELECT id, call_id FROM utterances WHERE instr(text, ?) > 0", (term,)).fetchall()
        else:
            rows = conn.execute(
                "SELECT id, call_id FROM utterances WHERE instr(lower(text), ?) > 0", (term.lower(),)
            ).fetchall()
        found: dict[str, list[int]] = {}
        for row_id, cid in rows:
            found.setdefault(cid, []).append(row_id)
        if matches is None:
            matches = found
        else:
            matches = {cid: sorted(ids + found[cid]) for cid, ids in matches.items() if cid in found}
        if not matches:
            return []
    assert matches is not None
    where, params = _where(f)
    placeholders = ",".join("?" * len(matches))
    glue = " AND " if where else " WHERE "
    summaries = [
        _summary(r)
        for r in conn.execute(
            f"{_CALL_SELECT}{where}{glue}c.id IN ({placeholders}) ORDER BY c.started DESC LIMIT ? OFFSET ?",
            [*params, *matches, f.limit, f.offset],
        ).fetchall()
    ]
    wanted = [row_id for s in summaries for row_id in sorted(set(matches[s.id]))[:max_lines]]
    by_call: dict[str, list[TranscriptLine]] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        for r in conn.execute(
            f"SELECT u.call_id, {_LINE_COLUMNS} FROM utterances u WHERE u.id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY u.call_id, u.idx",
            chunk,
        ):
            by_call.setdefault(r[0], []).append(_line(r[1:]))
    return [SearchHit(call=s, lines=tuple(by_call.get(s.id, ()))) for s in summaries]


# Over 60 lines: one read per part of the record, in the record's field order (nothing to share).
def get_call(conn: sqlite3.Connection, call_id: str) -> CallRecord | None:
    row = conn.execute(f"{_CALL_SELECT} WHERE c.id = ?", (call_id,)).fetchone()
    if row is None:
        return None
    transcript = tuple(
        _line(r)
        for r in conn.execute(
            f"SELECT {_LINE_COLUMNS} FROM utterances u WHERE u.call_id = ? ORDER BY u.idx", (call_id,)
        )
    )
    flags = tuple(
        FlagRecord(
            t=r[0],
            speaker=r[1],
            rule=r[2],
            kind=r[3],
            severity=r[4],
            span=(r[5], r[6]) if r[5] is not None and r[6] is not None else None,
            matched=r[7],
            message=r[8],
            replacement=r[9],
            text=r[10],
            final=bool(r[11]),
            utterance_idx=r[12],
            second_pass=r[13] or "",
        )
        for r in conn.execute(
            "SELECT t, speaker, rule, kind, severity, span_start, span_end, matched, message, replacement, "
            "text, final, utterance_idx, second_pass FROM flags WHERE call_id = ? ORDER BY t, id",
            (call_id,),
        )
    )
    emotions = tuple(
        EmotionPoint(t=r[0], label=r[1], intensity=r[2], cues=tuple(json.loads(r[3])), text=r[4], utterance_idx=r[5])
        for r in conn.execute(
            "SELECT t, label, intensity, cues, text, utterance_idx FROM emotions WHERE call_id = ? ORDER BY t, id",
            (call_id,),
        )
    )
    suggestions = tuple(
        SuggestionRecord(seq=r[0], t=r[1], step=r[2], text=r[3], reason=r[4], used=bool(r[5]), used_t=r[6])
        for r in conn.execute(
            "SELECT seq, t, step, text, reason, used, used_t FROM suggestions WHERE call_id = ? ORDER BY seq",
            (call_id,),
        )
    )
    conduct = tuple(
        ConductRecord(t=r[0], speaker=r[1], rule=r[2], severity=r[3], message=r[4], value=r[5])
        for r in conn.execute(
            "SELECT t, speaker, rule, severity, message, value FROM conduct WHERE call_id = ? ORDER BY t, id",
            (call_id,),
        )
    )
    return CallRecord(
        summary=_summary(row),
        transcript=transcript,
        flags=flags,
        emotions=emotions,
        suggestions=suggestions,
        conduct=conduct,
        score=get_score(conn, call_id),
        work_order=get_work_order(conn, call_id),
    )


def get_score(conn: sqlite3.Connection, call_id: str) -> QAScore | None:
    row = conn.execute("SELECT total, max_total, items FROM qa_scores WHERE call_id = ?", (call_id,)).fetchone()
    if row is None:
        return None
    items = tuple(
        ScoreItem(
            key=str(i.get("key", "")),
            name_zh=str(i.get("name_zh", "")),
            points=float(i.get("points", 0)),
            max_points=float(i.get("max_points", 0)),
            notes=tuple(str(n) for n in i.get("notes", ())),
        )
        for i in json.loads(row[2])
    )
    return QAScore(total=row[0], items=items, max_total=row[1])


def save_score(conn: sqlite3.Connection, call_id: str, card: QAScore) -> None:
    items = json.dumps(
        [
            {
                "key": i.key,
                "name_zh": i.name_zh,
                "points": i.points,
                "max_points": i.max_points,
                "notes": list(i.notes),
            }
            for i in card.items
        ],
        ensure_ascii=False,
    )
    conn.execute(
        "INSERT INTO qa_scores(call_id, total, max_total, items, created) VALUES (?,?,?,?,?) "
        "ON CONFLICT(call_id) DO UPDATE SET total = excluded.total, max_total = excluded.max_total, "
        "items = excluded.items",
        (call_id, card.total, card.max_total, items, time.time()),
    )
    # ``updated`` moves so the centre ships the call again: the second pass re-scores a call after
    # it closed (issue 14), and qa_scores rows keep their rowid when replaced.
    conn.execute("UPDATE calls SET score = ?, updated = ? WHERE id = ?", (card.total, time.time(), call_id))


def get_work_order(conn: sqlite3.Connection, call_id: str) -> WorkOrder | None:
    row = conn.execute(
        "SELECT call_id, date, time, caller_name, caller_title, gender, phone, summary, handling, follow_up, "
        "is_complaint, status FROM work_orders WHERE call_id = ?",
        (call_id,),
    ).fetchone()
    if row is None:
        return None
    return WorkOrder(
        call_id=row[0],
        date=row[1],
        time=row[2],
        caller_name=row[3],
        caller_title=row[4],
        gender=row[5],
        phone=row[6],
        summary=row[7],
        handling=row[8],
        follow_up=datetime.fromisoformat(row[9]) if row[9] else None,
        is_complaint=bool(row[10]),
        status=row[11],
    )


def save_work_order(conn: sqlite3.Connection, order: WorkOrder) -> None:
    now = time.time()
    conn.execute(
        "INSERT INTO work_orders(call_id, date, time, caller_name, caller_title, gender, phone, summary, "
        "handling, follow_up, is_complaint, status, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(call_id) DO UPDATE SET date = excluded.date, time = excluded.time, "
        "caller_name = excluded.caller_name, caller_title = excluded.caller_title, gender = excluded.gender, "
        "phone = excluded.phone, summary = excluded.summary, handling = excluded.handling, "
        "follow_up = excluded.follow_up, is_complaint = excluded.is_complaint, status = excluded.status, "
        "updated = excluded.updated",
        (
            order.call_id,
            order.date,
            order.time,
            order.caller_name,
            order.caller_title,
            order.gender,
            order.phone,
            order.summary,
            order.handling,
            order.follow_up.isoformat(timespec="minutes") if order.follow_up else None,
            int(order.is_complaint),
            order.status,
            now,
            now,
        ),
    )


def save_trainee_session(conn: sqlite3.Connection, s: TraineeSession) -> int:
    cur = conn.execute(
        "INSERT INTO trainee_sessions(call_id, scenario_id, trainee, score, items, started, ended) "
        "VALUES (?,?,?,?,?,?,?)",
        (
            s.call_id,
            s.scenario_id,
            s.trainee,
            s.score,
            json.dumps(list(s.items), ensure_ascii=False),
            s.started.timestamp(),
            s.ended.timestamp() if s.ended else None,
        ),
    )
    return int(cur.lastrowid or 0)


def list_trainee_sessions(conn: sqlite3.Connection, trainee: str | None = None) -> list[TraineeSession]:
    sql = "SELECT id, call_id, scenario_id, trainee, score, items, started, ended FROM trainee_sessions"
    params: tuple[Any, ...] = ()
    if trainee:
        sql += " WHERE trainee = ?"
        params = (trainee,)
    return [
        TraineeSession(
            id=r[0],
            call_id=r[1],
            scenario_id=r[2],
            trainee=r[3],
            score=r[4],
            items=tuple(json.loads(r[5])),
            started=datetime.fromtimestamp(r[6]),
            ended=_dt(r[7]),
        )
        for r in conn.execute(sql + " ORDER BY started DESC", params)
    ]


def delete_older_than(conn: sqlite3.Connection, days: int) -> int:
    cutoff = time.time() - days * 86400
    n = conn.execute("DELETE FROM calls WHERE started < ? AND status != 'active'", (cutoff,)).rowcount
    conn.execute("DELETE FROM trainee_sessions WHERE started < ?", (cutoff,))
    return int(n)


__all__ = [
    "delete_older_than",
    "get_call",
    "get_score",
    "get_work_order",
    "list_calls",
    "list_trainee_sessions",
    "save_score",
    "save_trainee_session",
    "save_work_order",
    "search",
]
