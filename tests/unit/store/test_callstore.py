"""Recording a call and reading it back the way the history view and QA use it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assist_app.events import CallEnded, CallStarted, Event, FinalText, Speaker
from assist_app.scores import QAScore, ScoreItem
from assist_app.store import (
    CallFilter,
    CallMeta,
    CallStore,
    StoreSettings,
    TraineeSession,
)
from assist_app.store.schema import SCHEMA_VERSION

Events = Callable[..., Iterator[Event]]


@pytest.fixture
def record(call_events: Events) -> Callable[..., str]:
    """Record the scripted call into a store; returns the call's id."""

    def run(store: CallStore, meta: CallMeta | None = None) -> str:
        sink = store.recorder(meta or CallMeta(agent_id="1024", agent_name="张三"))
        call_id = ""
        for ev in call_events():
            sink(ev)
            call_id = call_id or (getattr(sink, "call_id", None) or "")
        assert store.flush()
        return call_id

    return run


Record = Callable[..., str]


def test_a_recorded_call_can_be_reviewed(store: CallStore, record: Record) -> None:
    call_id = record(store)
    [summary] = store.list_calls()
    assert summary.id == call_id
    assert summary.status == "normal" and summary.status_zh == "正常结束"
    assert summary.agent_name == "张三"
    assert summary.utterance_count == 9
    assert summary.flag_count == 1 and summary.high_flag_count == 1
    assert summary.max_emotion == "complaint_escalation"
    rec = store.get_call(call_id)
    assert rec is not None
    assert [ln.speaker for ln in rec.transcript][:2] == ["agent", "customer"]
    assert rec.transcript[1].phase == "asking" and rec.transcript[1].emotion == "angry"
    assert rec.flags[0].matched == "不归我管" and rec.flags[0].utterance_idx == 4
    assert [e.label for e in rec.emotions] == ["angry", "complaint_escalation", "positive"]
    # The agent said the suggested soothing phrase right after it was shown.
    assert rec.suggestions[0].used


def test_phone_numbers_never_reach_the_file(store: CallStore, db_path: Path, record: Record) -> None:
    record(store)
    store.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.name.startswith("calls.db"))
    assert b"13812345678" not in raw
    assert b"138****5678" in raw


def test_search_finds_short_and_long_terms_and_combines_them(store: CallStore, record: Record) -> None:
    call_id = record(store)
    assert [h.call.id for h in store.search("投诉")] == [call_id]  # 2 chars: scan
    assert [h.call.id for h in store.search("光缆故障")] == [call_id]  # FTS trigram
    hit = store.search("宽带 工信部")[0]
    assert {ln.idx for ln in hit.lines} == {1, 3}
    assert store.search("退款") == []
    assert store.search("宽带 退款") == []
    assert store.search("13812345678") == []  # masked before storage


def test_filters_select_calls(store: CallStore, record: Record) -> None:
    first = record(store, CallMeta(agent_id="1024"))
    second = record(store, CallMeta(agent_id="2048"))
    store.save_score(first, QAScore(total=55.0, max_total=100.0, items=()))
    store.save_score(second, QAScore(total=90.0, max_total=100.0, items=()))
    assert [c.id for c in store.list_calls(CallFilter(agent="2048"))] == [second]
    assert [c.id for c in store.list_calls(CallFilter(max_score=60))] == [first]
    assert len(store.list_calls(CallFilter(has_flags=True, emotion="complaint_escalation"))) == 2
    assert store.list_calls(CallFilter(has_flags=False)) == []
    tomorrow = datetime.now() + timedelta(days=1)
    assert store.list_calls(CallFilter(since=tomorrow)) == []
    assert len(store.list_calls(CallFilter(until=tomorrow))) == 2


def test_score_card_is_kept(store: CallStore, record: Record) -> None:
    call_id = record(store)
    card = QAScore(
        total=72.5,
        max_total=100.0,
        items=(
            ScoreItem("greeting", "问候", 10, 10),
            ScoreItem("banned", "服务忌语", 0, 20, ("不归我管",)),
        ),
    )
    store.save_score(call_id, card)
    rec = store.get_call(call_id)
    assert rec is not None and rec.score == card
    assert store.list_calls()[0].score == 72.5


def test_store_nothing_writes_nothing(db_path: Path, call_events: Events) -> None:
    with CallStore(db_path, settings=StoreSettings(store_nothing=True)) as s:
        sink = s.recorder()
        for ev in call_events():
            sink(ev)  # accepted without error
        assert s.flush()
        assert s.list_calls() == []


def test_retention_deletes_old_calls_at_open(db_path: Path, record: Record) -> None:
    with CallStore(db_path) as s:
        sink = s.recorder()
        old = time.time() - 40 * 86400
        sink(CallStarted(t=0.0, call_id="old", source="test", wall=old))
        sink(FinalText(t=1.0, speaker=Speaker.CUSTOMER, text="很久以前的通话", wall=old + 1))
        sink(CallEnded(t=2.0, call_id="old", wall=old + 2))
        record(s)
        assert len(s.list_calls()) == 2
    with CallStore(db_path, settings=StoreSettings(retention_days=30)) as s:
        calls = s.list_calls()
        assert len(calls) == 1 and calls[0].started > datetime.now() - timedelta(days=1)
        assert s.search("很久以前") == []


def test_trainee_sessions_are_kept(store: CallStore) -> None:
    sid = store.save_trainee_session(
        TraineeSession(
            scenario_id="bill_dispute",
            trainee="小李",
            started=datetime.now(),
            score=81.0,
            items=({"key": "greeting", "points": 10},),
        )
    )
    [s] = store.list_trainee_sessions("小李")
    assert s.id == sid and s.scenario_id == "bill_dispute" and s.items[0]["points"] == 10


def test_schema_version_is_recorded_and_newer_files_are_refused(db_path: Path, record: Record) -> None:
    with CallStore(db_path) as s:
        record(s)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with CallStore(db_path) as s:
        assert [n.code for n in s.notices] == ["store_too_new"]
        assert "更新版本" in s.notices[0].message
        from assist_app.store import StoreUnavailableError

        with pytest.raises(StoreUnavailableError):
            s.list_calls()
    assert db_path.exists()  # a newer app's file is left alone


def test_close_leaves_no_thread_running(db_path: Path, record: Record) -> None:
    s = CallStore(db_path)
    record(s)
    s.close()
    s.close()
    assert not [t for t in threading.enumerate() if t.name == "store-writer"]


def test_closing_mid_call_marks_it_interrupted(db_path: Path, call_events: Events) -> None:
    with CallStore(db_path) as s:
        sink = s.recorder()
        for ev in call_events(end=False):
            sink(ev)
    with CallStore(db_path) as s:
        [c] = s.list_calls()
        assert c.status == "interrupted" and c.utterance_count == 9


def test_recording_searching_and_exporting_open_no_network_connection(
    db_path: Path, record: Record, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    from assist_app.store.report import render_call_report

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network connection attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    with CallStore(db_path) as s:
        call_id = record(s)
        assert s.search("工信部")
        rec = s.get_call(call_id)
        assert rec is not None
        (tmp_path / "r.html").write_text(render_call_report(rec), encoding="utf-8")


class _Writes:
    """A stand-in writer that keeps the SQL the recorder submits."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def submit(self, op: object) -> None:
        self.sql.append(str(getattr(op, "sql", type(op).__name__)))

    def mark_active(self, call_id: str) -> None: ...

    def mark_finished(self, call_id: str) -> None: ...


def test_each_utterance_is_written_once_with_its_analysis(call_events: Events) -> None:
    from assist_app.store.privacy import Masker
    from assist_app.store.recorder import CallRecorder

    writes = _Writes()
    sink = CallRecorder(writes, CallMeta(), Masker())  # type: ignore[arg-type]
    for ev in call_events():
        sink(ev)
    inserts = [s for s in writes.sql if s.startswith("INSERT INTO utterances")]
    assert len(inserts) == 9  # the scripted call's nine utterances, one row each
    assert not [s for s in writes.sql if s.startswith("UPDATE utterances")]  # phase/emotion not patched in
    assert not [s for s in writes.sql if s.startswith("UPDATE flags")]


def test_phase_and_emotion_land_on_the_utterance_they_came_from(store: CallStore) -> None:
    from assist_app.events import EmotionLabel, EmotionReading, Phase, UtteranceAnalysed

    sink = store.recorder()
    sink(CallStarted(t=0.0, call_id="x", source="test"))
    # The customer's final arrives while the agent's is still being analysed: no "last utterance of
    # this speaker" guess decides where each analysis goes, the index does.
    sink(FinalText(t=1.0, speaker=Speaker.AGENT, text="您好，请问有什么可以帮您", utterance=0))
    sink(UtteranceAnalysed(t=1.0, speaker=Speaker.AGENT, phase=Phase.GREETING, call_phase=Phase.GREETING,
                           utterance=0))
    sink(FinalText(t=2.0, speaker=Speaker.CUSTOMER, text="我要投诉", utterance=1))
    angry = EmotionReading(EmotionLabel.ANGRY, 0.9, ("投诉",))
    sink(UtteranceAnalysed(t=2.0, speaker=Speaker.CUSTOMER, phase=Phase.ASKING, call_phase=Phase.ASKING,
                           emotion=angry, utterance=1))
    sink(CallEnded(t=3.0, call_id="x"))
    assert store.flush()
    [call] = store.list_calls()
    rec = store.get_call(call.id)
    assert rec is not None
    assert [(ln.idx, ln.phase, ln.emotion) for ln in rec.transcript] == [(0, "greeting", None),
                                                                        (1, "asking", "angry")]
