"""What the history view shows, computed without Qt: filters, rows, marked transcript, review flags."""

from __future__ import annotations

from datetime import date, datetime

from assist_app.events import EmotionLabel, FlagKind
from assist_app.store.display import (
    HistoryQuery,
    call_row,
    preset_range,
    review_emotions,
    review_flags,
    review_title,
    stored_work_order,
    transcript_entries,
)
from assist_app.store.models import (
    CallRecord,
    CallSummary,
    ConductRecord,
    EmotionPoint,
    FlagRecord,
    TranscriptLine,
)


def _summary(**kw: object) -> CallSummary:
    base: dict[str, object] = dict(
        id="c1", started=datetime(2025, 3, 4, 9, 30), ended=None, duration=125.4, status="normal",
        end_reason="normal", agent_id="8023", agent_name="张敏", source="demo", mode="demo", score=72.5,
        max_emotion="angry", max_emotion_intensity=0.8, utterance_count=3, flag_count=1, high_flag_count=1,
    )
    base.update(kw)
    return CallSummary(**base)  # type: ignore[arg-type]


def _flag(t: float, idx: int | None, span: tuple[int, int] | None, matched: str, final: bool = True) -> FlagRecord:
    return FlagRecord(t=t, speaker="agent", rule="banned.shove", kind="banned_phrase", severity="high", span=span,
                      matched=matched, message="推诿客户", replacement="我帮您联系", text="", final=final,
                      utterance_idx=idx)


def _record() -> CallRecord:
    lines = (
        TranscriptLine(0, "customer", "我家宽带坏了，宽带一直断", 1.0, 3.0, 3.0, phase="asking"),
        TranscriptLine(1, "agent", "这不归我管，你找别人", 4.0, 6.0, 6.0, phase="explanation"),
    )
    flags = (_flag(6.0, 1, (1, 5), "不归我管"), _flag(5.0, 1, (0, 2), "你找别人", final=False))
    emotions = (EmotionPoint(3.0, "angry", 0.8, ("断",), "…", 0), EmotionPoint(4.0, "bogus", 0.1, (), "", None))
    conduct = (ConductRecord(5.5, "agent", "conduct.rate_fast", "low", "语速偏快", 260.0),
               ConductRecord(2.0, "agent", "conduct.interrupt", "medium", "打断客户", None))
    return CallRecord(_summary(), lines, flags, emotions, (), conduct, None, None)


def test_query_to_filter_makes_inclusive_dates_and_open_score_range() -> None:
    f = HistoryQuery(date_from=date(2025, 3, 1), date_to=date(2025, 3, 4), agent=" 8023 ").to_filter()
    assert f.since == datetime(2025, 3, 1) and f.until == datetime(2025, 3, 5)
    assert f.agent == "8023" and f.min_score is None and f.max_score is None and f.has_flags is None
    g = HistoryQuery(min_score=60, max_score=90, flagged_only=True, emotion="angry").to_filter()
    assert (g.min_score, g.max_score, g.has_flags, g.emotion) == (60.0, 90.0, True, "angry")
    assert HistoryQuery(text="  宽带   投诉 ").search_text == "宽带 投诉"


def test_preset_ranges() -> None:
    today = date(2025, 3, 10)
    assert preset_range("all", today) == (None, None)
    assert preset_range("today", today) == (today, today)
    assert preset_range("7d", today) == (date(2025, 3, 4), today)
    assert preset_range("custom", today, (date(2025, 3, 9), date(2025, 3, 1))) == (date(2025, 3, 1), date(2025, 3, 9))


def test_call_row_formats_a_summary() -> None:
    row = call_row(_summary(), ("宽带一直断",))
    assert (row.started, row.duration, row.agent, row.score, row.emotion, row.status) == (
        "2025-03-04 09:30", "2:05", "8023 张敏", "72", "愤怒", "正常结束")
    assert "“宽带一直断”" in row.tooltip and "严重提示 1 条" in row.tooltip
    bare = call_row(_summary(agent_id="", agent_name="", score=None, max_emotion=None, status="interrupted"))
    assert (bare.agent, bare.score, bare.emotion, bare.status, bare.interrupted) == ("—", "—", "—", "意外中断", True)


def test_transcript_marks_flagged_words_and_search_terms() -> None:
    entries = transcript_entries(_record(), "宽带")
    agent = entries[1]
    assert [agent.text[s:e] for s, e in agent.flagged] == ["不归我管", "你找别人"]
    assert [entries[0].text[s:e] for s, e in entries[0].found] == ["宽带", "宽带"]
    assert entries[0].flagged == () and agent.found == ()
    assert entries[1].t == 4.0


def test_review_flags_merge_conduct_by_time_without_rate_wobbles() -> None:
    flags = review_flags(_record())
    assert [t for t, _ in flags] == [2.0, 5.0, 6.0]
    assert flags[0][1].kind is FlagKind.CONDUCT and flags[0][1].message == "打断客户"
    assert all("语速" not in f.message for _, f in flags)
    emotions = review_emotions(_record())
    assert [(t, r.label) for t, r in emotions] == [(3.0, EmotionLabel.ANGRY)]


def test_title_and_work_order_draft() -> None:
    rec = _record()
    assert review_title(rec.summary) == "通话回顾：2025-03-04 09:30，时长 2:05，坐席 8023 张敏"
    order, saved = stored_work_order(rec)
    assert not saved and order.call_id == "c1" and order.date == "2025-03-04"
    assert "宽带" in order.summary
