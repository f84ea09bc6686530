"""Corrections of the second pass (精校转写, issue 14) reach the centre: they arrive after the call
has closed and been shipped, so the corrected text, the live text kept beside it, the flag
verdicts, the counts and the re-score must follow — and a supervisor's review shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assist_app.centre import admin
from assist_app.centre.config import CentreConfig
from assist_app.centre.reader import SEP, CentreCalls
from assist_app.centre.replicator import Replicator
from assist_app.centre.tables import FLAGS, TABLES, UTTERANCES
from assist_app.events import CallEnded, CallStarted, CorrectedText, FinalText, Speaker
from assist_app.store import CallStore

from .conftest import PgCluster, Seat, _library

SHIRK = "这不归我管，你找别人去"


def _rows(cluster: PgCluster, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with cluster.admin_connect() as conn:
        return list(conn.execute(sql, params).fetchall())


def test_late_corrections_and_verdicts_replicate(pg: PgCluster, make_seat: Any, tmp_path: Path) -> None:
    from assist_app.demo.runner import build_engine

    seat: Seat = make_seat(team="精校组")
    with pg.admin_connect() as conn:
        sup_pw = admin.add_supervisor(conn, "sup_jingjiao", ["精校组"])
    library = _library()
    db = tmp_path / "calls.db"
    with CallStore(db) as store:
        rec = store.recorder()
        engine = build_engine(library)
        rec(CallStarted(t=0.0, call_id="s"))
        # Numbered as the session numbers finals: the engine copies the index onto its flags.
        finals = [FinalText(t=2.0, speaker=Speaker.AGENT, text=SHIRK, start=0.0, end=2.0, utterance_id="u1",
                            utterance=0),
                  FinalText(t=6.0, speaker=Speaker.AGENT, text="好的我记一下", start=4.0, end=6.0, utterance_id="u2",
                            utterance=1)]
        for f in finals:
            rec(f)
            for e in engine.handle(f):
                rec(e)
        rec(CallEnded(t=7.0, call_id="s"))
        assert store.flush() and rec.call_id
        cid = rec.call_id
        rep = Replicator(db, seat.config, seat.password)
        try:
            rep.sync_once()
            before = _rows(pg, "SELECT flag_count FROM assist.calls WHERE seat_id = %s AND id = %s", seat.seat_id, cid)
            assert before and before[0][0] >= 1
            # The second pass finishes after the call was shipped.
            checker = build_engine(library).analyzer
            for f, text in zip(finals, ("这个我马上帮您查一下", "这不归我管"), strict=True):
                rec(CorrectedText(t=f.t, speaker=Speaker.AGENT, utterance_id=f.utterance_id or "", text=text,
                                  original=f.text, start=f.start, end=f.end, banned=tuple(checker.banned_on(text))))
            assert store.flush()
            from assist_app.analysis.scoring import score_call

            store.save_score(cid, score_call(engine))  # shipped with the call
            assert store.flush() and rep.sync_once() >= 0
            from dataclasses import replace

            score = replace(score_call(engine), total=42.0)  # the re-score on the corrected text
            store.save_score(cid, score)
            assert store.flush()
            assert rep.sync_once() > 0
        finally:
            rep.stop()
    utt = _rows(pg, 'SELECT idx, text, asr_text, corrected FROM assist.utterances WHERE seat_id = %s '
                    "AND call_id = %s ORDER BY idx", seat.seat_id, cid)
    assert utt == [(0, "这个我马上帮您查一下", SHIRK, 1), (1, "这不归我管", "好的我记一下", 1)]
    flags = _rows(pg, "SELECT utterance_idx, rule, second_pass FROM assist.flags WHERE seat_id = %s "
                      "AND call_id = %s AND kind = 'banned_phrase'", seat.seat_id, cid)
    assert {p for i, _, p in flags if i == 0} == {"unsupported"}
    assert {p for i, r, p in flags if i == 1} == {"added"}
    added = sum(1 for _, _, p in flags if p == "added")
    assert _rows(pg, "SELECT flag_count, score FROM assist.calls WHERE seat_id = %s AND id = %s",
                 seat.seat_id, cid) == [(added, score.total)]
    # The supervisor's review of the call reads the same record the seat has.
    cfg = CentreConfig(host="127.0.0.1", port=pg.port, dbname="assist", user="sup_jingjiao")
    reader = CentreCalls(cfg.conninfo(sup_pw))
    try:
        record = reader.get_call(f"{seat.seat_id}{SEP}{cid}")
    finally:
        reader.close()
    assert record is not None
    assert [(ln.text, ln.corrected, ln.asr_text) for ln in record.transcript] == [
        ("这个我马上帮您查一下", True, SHIRK), ("这不归我管", True, "好的我记一下")]
    assert {f.second_pass for f in record.flags if f.kind == "banned_phrase"} == {"unsupported", "added"}


def test_a_centre_without_the_new_columns_still_gets_the_rest() -> None:
    """A seat upgraded before its centre (migrations only add columns): the replicator ships the
    columns the centre has instead of failing every round."""
    old_utterances = set(UTTERANCES.columns) - {"asr_text", "corrected"}
    fitted = UTTERANCES.fitted(old_utterances)
    assert "asr_text" not in fitted.columns and fitted.key == UTTERANCES.key and "text" in fitted.columns
    assert FLAGS.fitted(set(FLAGS.columns)) is FLAGS
    assert all(spec.fitted(set()) is spec for spec in TABLES)  # unknown: ship everything
