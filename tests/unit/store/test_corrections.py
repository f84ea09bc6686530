"""The second pass's verdicts on live flags (issue 14): in the stored record (recorder, history
review, report, counts) and in the agent window's review (``mark_live_flags``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assist_app.events import CallEnded, CallStarted, CorrectedText, Event, FinalText, Flag, FlagRaised, Speaker
from assist_app.store import CallStore
from assist_app.store.corrections import ADDED, UNSUPPORTED, ReviewLine, mark_live_flags, review_feed
from assist_app.store.display import review_flags_marked, transcript_entries
from assist_app.store.models import CallFilter
from assist_app.store.report import flag_csv_rows, render_call_report

SHIRK = "这不归我管，你找别人去"
POLITE = "这个我马上帮您查一下"


def _engine(library: Any) -> Any:
    from assist_app.demo.runner import build_engine

    return build_engine(library)


def _final(n: int, text: str, start: float) -> FinalText:
    # Numbered as the session numbers finals (``Event.utterance``): the engine copies the index onto
    # the flags it raises, and the recorder links them to the utterance by it.
    return FinalText(t=start + 2.0, speaker=Speaker.AGENT, text=text, start=start, end=start + 2.0,
                     utterance_id=f"u{n}", utterance=n - 1)


def _correction(engine: Any, final: FinalText, text: str) -> CorrectedText:
    return CorrectedText(t=final.t, speaker=Speaker.AGENT, utterance_id=final.utterance_id or "", text=text,
                         original=final.text, start=final.start, end=final.end,
                         banned=tuple(engine.analyzer.banned_on(text)))


def _record_call(store: CallStore, library: Any) -> tuple[str, list[Event]]:
    """Two agent lines: the first flagged live but corrected to a polite one, the second heard
    wrongly live (no flag) and corrected to the banned phrase; corrections land after hang-up."""
    engine = _engine(library)
    rec = store.recorder()
    live: list[Event] = []
    rec(CallStarted(t=0.0, call_id="s"))
    finals = [_final(1, SHIRK, 0.0), _final(2, "好的我记一下", 4.0)]
    for f in finals:
        rec(f)
        for e in engine.handle(f):
            rec(e)
            live.append(e)
    rec(CallEnded(t=8.0, call_id="s"))
    assert store.flush()
    checker = _engine(library)
    rec(_correction(checker, finals[0], POLITE))
    rec(_correction(checker, finals[1], "这不归我管"))
    assert store.flush()
    assert rec.call_id is not None
    return rec.call_id, live


def test_record_marks_unsupported_live_flags_and_adds_what_only_the_correction_shows(
    tmp_path: Path, shipped_library: Any
) -> None:
    with CallStore(tmp_path / "calls.db") as store:
        cid, live = _record_call(store, shipped_library)
        live_flags = [e for e in live if isinstance(e, FlagRaised)]
        assert live_flags and all(e.text == SHIRK for e in live_flags)  # the second line raised nothing live
        record = store.get_call(cid)
        assert record is not None
        by_pass = {f.second_pass for f in record.flags if f.utterance_idx == 0}
        assert by_pass == {UNSUPPORTED}
        added = [f for f in record.flags if f.second_pass == ADDED]
        assert added and all(f.utterance_idx == 1 and f.rule.startswith("shirk") for f in added)
        assert added[0].matched in "这不归我管" and added[0].final
        # Counted: the added ones, not the unsupported ones (list, filter and the call's columns).
        summary = store.list_calls()[0]
        assert summary.flag_count == len(added)
        assert store.list_calls(CallFilter(has_flags=True))
        # The history review and the report say which is which.
        marked = review_flags_marked(record)
        labels = {r.flag.rule: r.label for r in marked if r.flag.kind.value == "banned_phrase"}
        assert set(labels.values()) == {"精校后未见此说法", "精校发现"}
        entries = transcript_entries(record)
        assert [e.corrected for e in entries] == [True, True]
        assert entries[0].first_pass == SHIRK and entries[0].flagged == ()  # nothing to mark in the polite text
        assert entries[1].flagged  # the banned words found by 精校 are marked in the corrected text
        html = render_call_report(record)
        assert "精校发现" in html and "精校后未见此说法" in html and f"实时识别：{SHIRK}" in html
        assert {row[-1] for row in flag_csv_rows(record) if row[4] == "服务忌语"} == {"精校发现", "精校后未见此说法"}


def test_review_marks_the_alerts_it_showed(shipped_library: Any) -> None:
    engine = _engine(shipped_library)
    finals = [_final(1, SHIRK, 0.0), _final(2, "好的我记一下", 4.0), _final(3, "这不归我管", 8.0)]
    shown: list[tuple[float, Flag]] = []
    for f in finals:
        shown += [(e.t, e.flag) for e in engine.handle(f) if isinstance(e, FlagRaised)]
    checker = _engine(shipped_library)
    corrections = [_correction(checker, finals[0], POLITE), _correction(checker, finals[1], "这不归我管")]
    marked = mark_live_flags(shown, corrections)
    first = [r for r in marked if r.t <= 2.0 and r.second_pass != ADDED]
    assert first and all(r.second_pass == UNSUPPORTED and r.label == "精校后未见此说法" for r in first)
    added = [r for r in marked if r.second_pass == ADDED]
    assert added and all(r.t == 4.0 and r.label == "精校发现" for r in added)
    third = [r for r in marked if r.t >= 8.0]  # not corrected: as raised live
    assert third and all(r.second_pass == "" for r in third)
    assert [r.t for r in marked] == sorted(r.t for r in marked)
    # Unchecked corrections (no library at hand) change nothing.
    from dataclasses import replace

    unchecked = [replace(c, banned=None) for c in corrections]
    assert all(r.second_pass == "" for r in mark_live_flags(shown, unchecked))


def test_review_feed_without_a_second_pass_is_the_analysed_transcript(shipped_library: Any) -> None:
    engine = _engine(shipped_library)
    engine.handle(_final(1, "您好，请问有什么可以帮您", 1.5))
    feed = review_feed(None, engine.analyses)
    assert feed.finished and feed.corrections() == []
    assert feed.lines() == [ReviewLine("agent", 1.5, "您好，请问有什么可以帮您")]


def test_a_correction_before_the_utterance_is_written_still_reviews_its_flags(
    tmp_path: Path, shipped_library: Any
) -> None:
    """The recorder holds an utterance until its analysis ends (``UtteranceAnalysed``); a correction
    landing in between is applied to that row, and the live flags raised after it are still marked."""
    with CallStore(tmp_path / "calls.db") as store:
        engine = _engine(shipped_library)
        checker = _engine(shipped_library)
        rec = store.recorder()
        rec(CallStarted(t=0.0, call_id="s"))
        final = _final(1, SHIRK, 0.0)
        rec(final)
        rec(_correction(checker, final, POLITE))  # before the engine's flags for this line
        derived = list(engine.handle(final))
        assert any(isinstance(e, FlagRaised) for e in derived)
        for e in derived:
            rec(e)
        rec(CallEnded(t=3.0, call_id="s"))
        assert store.flush() and rec.call_id is not None
        record = store.get_call(rec.call_id)
        assert record is not None
        assert [(ln.text, ln.asr_text, ln.corrected) for ln in record.transcript] == [(POLITE, SHIRK, True)]
        banned = [f for f in record.flags if f.kind == "banned_phrase"]
        assert banned and all(f.utterance_idx == 0 and f.second_pass == UNSUPPORTED for f in banned)
        assert store.list_calls()[0].flag_count == len(record.flags) - len(banned)
