"""Work-order drafts (seed 004's record fields) and flags caught on partial text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from assist_app.events import CallEnded, CallStarted, Event, FinalText, FlagRaised, PartialText, Speaker
from assist_app.store import CallStore, StoreSettings, TranscriptLine, draft_work_order
from assist_app.store.workorder import FlaggedSpan

Events = Callable[..., Iterator[Event]]


def _lines(store: CallStore, call_events: Events) -> tuple[str, datetime, tuple[TranscriptLine, ...]]:
    sink = store.recorder()
    for ev in call_events():
        sink(ev)
    assert store.flush()
    [call] = store.list_calls()
    rec = store.get_call(call.id)
    assert rec is not None
    return call.id, call.started, rec.transcript


def test_complaint_call_drafts_a_work_order_with_a_24h_callback(store: CallStore, call_events: Events) -> None:
    call_id, started, lines = _lines(store, call_events)
    order = draft_work_order(call_id, started, lines)
    assert order.date == started.strftime("%Y-%m-%d") and order.time == started.strftime("%H:%M")
    assert "宽带又断了" in order.summary and "工信部投诉" in order.summary  # customer's asking turns
    assert "光缆故障" in order.handling and "手机热点" in order.handling  # agent explanation/advice
    assert "不归我管" not in order.handling
    assert order.is_complaint and order.follow_up == (started + timedelta(hours=24)).replace(second=0, microsecond=0)
    assert (order.caller_name, order.caller_title, order.gender) == ("王", "先生", "男")
    assert order.phone == "138****5678"  # drafted from the masked transcript


def test_a_calm_call_without_a_commitment_has_no_follow_up(store: CallStore, call_events: Events) -> None:
    call_id, started, lines = _lines(store, call_events)
    # the agent's "我们会在二十四小时内给您回复" is a commitment (issue 12.15): without it, no follow-up
    calm = tuple(replace(ln, emotion="neutral", text=ln.text.split("，我们会在")[0]) for ln in lines)
    order = draft_work_order(call_id, started, calm)
    assert not order.is_complaint and order.follow_up is None and order.status == "draft"


def test_a_commitment_sets_the_follow_up_even_in_a_calm_call(store: CallStore, call_events: Events) -> None:
    call_id, started, lines = _lines(store, call_events)
    calm = tuple(replace(ln, emotion="neutral") for ln in lines)
    order = draft_work_order(call_id, started, calm)
    assert not order.is_complaint and order.status == "draft"
    assert order.follow_up == (started + timedelta(hours=24)).replace(second=0, microsecond=0)
    two_hours = tuple(replace(ln, text=ln.text.replace("二十四小时内给您回复", "两个小时之内联系您")) for ln in calm)
    assert draft_work_order(call_id, started, two_hours).follow_up == (
        started + timedelta(hours=2)).replace(second=0, microsecond=0)


def _line(idx: int, speaker: str, text: str, phase: str) -> TranscriptLine:
    return TranscriptLine(idx=idx, speaker=speaker, text=text, start=None, end=None, t=float(idx), phase=phase)


def test_the_draft_is_a_summary_not_the_transcript_glued_together() -> None:
    lines = [
        _line(0, "agent", "您好，很高兴为您服务，请问有什么可以帮助您？", "greeting"),
        _line(1, "customer", "喂！我家宽带又断了！我家宽带又断了！！你们到底管不管啊", "asking"),
        _line(2, "customer", "我的手机号是138****5678。宽带又断了，已经断了三天了。", "asking"),
        _line(3, "agent", "这不归我管，你找别的部门去。", "explanation"),
        _line(4, "agent", "非常抱歉，经查询您所在小区光缆故障，工程师正在抢修，预计两小时内恢复。", "explanation"),
        _line(5, "agent", "建议您先用手机热点。", "advice"),
        _line(6, "agent", "好的，我们会在二十四小时内给您回复，感谢您的来电，再见！", "closing"),
    ]
    started = datetime(2026, 3, 2, 9, 30, 40)
    order = draft_work_order("c9", started, lines, flagged=[FlaggedSpan(3, (0, 5), "这不归我管")])
    # the problem, once, cleaned: no filler, no repeats, no phone (its own field), no "！；"
    assert order.summary == "我家宽带又断了，你们到底管不管。已经断了三天了。"
    assert order.phone == "138****5678"
    for junk in ("！；", "。；", "；", "喂", "！"):
        assert junk not in order.summary and junk not in order.handling
    # handling: explanation and advice, no courtesy, never the flagged sentence; the commitment too
    assert order.handling == ("经查询客户所在小区光缆故障，工程师正在抢修，预计两小时内恢复。"
                              "建议客户先用手机热点。我们会在二十四小时内给客户回复。")
    assert "不归我管" not in order.handling and "别的部门" not in order.handling
    # a repair estimate is not a callback promise: the follow-up comes from "二十四小时内给您回复"
    assert order.follow_up == datetime(2026, 3, 3, 9, 30)
    long = [_line(i, "customer", f"第{i}件事情是这样的我家的电视信号一直不好", "asking") for i in range(20)]
    assert len(draft_work_order("c9", started, long).summary) <= 120


def test_edited_work_order_is_saved_masked(store: CallStore, call_events: Events) -> None:
    call_id, started, lines = _lines(store, call_events)
    order = replace(
        draft_work_order(call_id, started, lines), phone="13912345678", summary="客户卡号6222021234567890123"
    )
    store.save_work_order(order)
    store.save_work_order(replace(order, status="closed"))  # edit = save again
    rec = store.get_call(call_id)
    assert rec is not None and rec.work_order is not None
    assert rec.work_order.phone == "139****5678"
    assert "6222021234567890123" not in rec.work_order.summary
    assert rec.work_order.status == "closed" and rec.work_order.status_zh == "已办结"


def test_names_are_masked_in_work_orders_when_configured(db_path: Path, call_events: Events) -> None:
    with CallStore(db_path, settings=StoreSettings(mask_names=True)) as store:
        call_id, started, lines = _lines(store, call_events)
        assert "王先生" not in "".join(ln.text for ln in lines)
        order = replace(draft_work_order(call_id, started, lines), caller_name="王")
        assert store.save_work_order(order).caller_name == "*"


def test_flag_caught_on_partial_text_is_linked_to_its_utterance(store: CallStore) -> None:
    from assist_app.events import Flag, FlagKind, Severity

    flag = Flag("impatient", FlagKind.BANNED_PHRASE, Severity.HIGH, (0, 4), "有完没完", "不耐烦", "请您慢慢说")
    sink = store.recorder()
    sink(CallStarted(t=0.0, call_id="p", source="test"))
    sink(FinalText(t=1.0, speaker=Speaker.CUSTOMER, text="我说了三遍了"))
    sink(PartialText(t=1.5, speaker=Speaker.AGENT, text="有完没完"))
    sink(FlagRaised(t=1.5, speaker=Speaker.AGENT, flag=flag, text="有完没完", final=False))
    sink(FinalText(t=2.0, speaker=Speaker.AGENT, text="有完没完啊你"))
    sink(CallEnded(t=2.0, call_id="p"))
    assert store.flush()
    [call] = store.list_calls()
    assert call.flag_count == 1 and call.high_flag_count == 1
    rec = store.get_call(call.id)
    assert rec is not None and rec.flags[0].utterance_idx == 1 and not rec.flags[0].final
