"""The event-level engine: partial flags arrive before the final and are not repeated; a whole
call runs through ``CallSession`` with no thread left behind."""

from __future__ import annotations

import threading

from assist_app.analysis.analyzer import AnalysisKit
from assist_app.analysis.engine import GuidanceEngine
from assist_app.analysis.scoring import score_call
from assist_app.events import (
    CallEnded,
    CallStarted,
    ConductEvent,
    EmotionEvent,
    Event,
    FinalText,
    FlagRaised,
    PartialText,
    PhaseEvent,
    Speaker,
    SuggestionEvent,
    Utterance,
)
from assist_app.pipeline.session import CallSession, EmitFn


def test_flag_on_partial_then_not_again_on_final(mini_kit: AnalysisKit) -> None:
    engine = GuidanceEngine(mini_kit)
    text = "这事不归我管"
    flags: list[FlagRaised] = []
    first_at = None
    for i in range(1, len(text) + 1):
        out = engine.handle(PartialText(t=1.0 + i * 0.1, speaker=Speaker.AGENT, text=text[:i]))
        new = [e for e in out if isinstance(e, FlagRaised)]
        if new and first_at is None:
            first_at = i
        flags += new
    assert first_at == len(text)  # flagged on the first partial containing the words
    assert [(f.flag.rule, f.final) for f in flags] == [("shirk.not_my_job", False)]
    out = engine.handle(FinalText(t=2.0, speaker=Speaker.AGENT, text=text, start=1.0, end=2.0))
    assert not [e for e in out if isinstance(e, FlagRaised)]
    assert any(isinstance(e, PhaseEvent) for e in out)
    assert len(engine.analyses) == 1
    assert "shirk.not_my_job" in {f.rule for f in engine.analyses[0].flags}


def test_final_without_partials_raises_flag(mini_kit: AnalysisKit) -> None:
    engine = GuidanceEngine(mini_kit)
    out = engine.handle(FinalText(t=2.0, speaker=Speaker.AGENT, text="你有完没完"))
    assert [(e.flag.rule, e.final) for e in out if isinstance(e, FlagRaised)] == [("impatient.endless", True)]
    (flag,) = [e.flag for e in out if isinstance(e, FlagRaised)]
    assert flag.replacement == "请问还有什么需要我帮您的吗？"  # unknown title left out, not "{title}"


def test_customer_final_gives_emotion_and_suggestions(mini_kit: AnalysisKit) -> None:
    engine = GuidanceEngine(mini_kit)
    out = engine.handle(FinalText(t=3.0, speaker=Speaker.CUSTOMER, text="气死我了，我要投诉"))
    (emo,) = [e for e in out if isinstance(e, EmotionEvent)]
    assert emo.reading.label.value == "complaint_escalation"
    (sug,) = [e for e in out if isinstance(e, SuggestionEvent)]
    assert sug.suggestions[0].step.value == "soothing"
    assert emo.to_json()["type"] == "emotion" and emo.to_json()["speaker"] == "customer"


def test_hold_reminder_from_level_time(mini_kit: AnalysisKit) -> None:
    engine = GuidanceEngine(mini_kit)
    engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="请您稍等", start=0.0, end=1.0))
    reminders = [e for t in range(2, 40) for e in engine.tick(float(t)) if isinstance(e, ConductEvent)]
    assert [r.rule for r in reminders] == ["conduct.hold_update_due", "conduct.hold_limit"]


class _ListSource:
    """A minimal scripted source: emits the given events, honouring ``stop``."""

    name = "test-script"

    def __init__(self, events: list[Event]) -> None:
        self.events = events

    def run(self, emit: EmitFn, stop: threading.Event) -> None:
        for ev in self.events:
            if stop.is_set():
                return
            emit(ev)


def test_session_runs_a_call_and_stops_cleanly(mini_kit: AnalysisKit) -> None:
    before = set(threading.enumerate())
    events: list[Event] = [
        FinalText(t=2.0, speaker=Speaker.AGENT, text="您好，很高兴为您服务", start=0.0, end=2.0),
        FinalText(t=5.0, speaker=Speaker.CUSTOMER, text="气死我了，我要投诉", start=3.0, end=5.0),
        PartialText(t=6.0, speaker=Speaker.AGENT, text="这事不归我"),
        PartialText(t=6.3, speaker=Speaker.AGENT, text="这事不归我管"),
        FinalText(t=6.5, speaker=Speaker.AGENT, text="这事不归我管", start=5.5, end=6.5),
    ]
    engine = GuidanceEngine(mini_kit, call_id="s1")
    sunk: list[Event] = []
    session = CallSession(source=_ListSource(events), analyzer=engine, sinks=[sunk.append], call_id="s1")
    session.start()
    assert session.wait(10)
    session.stop()
    out = []
    while not session.outbound.empty():
        out.append(session.outbound.get_nowait())
    assert out == sunk
    assert isinstance(out[0], CallStarted) and isinstance(out[-1], CallEnded)
    assert out[-1].reason == "normal"
    types = [e.type_name for e in out]
    assert types.count("flag") == 1
    # the flag came from the partial, before the final text of that utterance
    assert types.index("flag") < len(types) - 1 - types[::-1].index("final")
    closing = [e for e in out if isinstance(e, ConductEvent) and e.rule.startswith("conduct.closing")]
    assert closing  # end-of-call check ran
    assert set(threading.enumerate()) == before
    score = score_call(engine)
    assert 0 <= score.total < 100
    assert {i.key for i in score.items} == {
        "opening",
        "closing",
        "formula",
        "order",
        "language",
        "hold",
        "interruptions",
        "rate",
    }
    assert sum(i.max_points for i in score.items) == 100


def test_silent_line_reminders_from_level_events(mini_kit: AnalysisKit) -> None:
    from assist_app.events import LevelEvent

    engine = GuidanceEngine(mini_kit)
    out: list[Event] = []
    out += engine.handle(LevelEvent(t=0.5, speaker=Speaker.AGENT, dbfs=-20.0, voiced=True))
    for i in range(1, 140):  # 70 s of quiet blocks on both channels
        out += engine.handle(LevelEvent(t=0.5 + i * 0.5, speaker=Speaker.CUSTOMER, dbfs=-70.0, voiced=False))
    silence = [e for e in out if isinstance(e, ConductEvent) and e.rule == "conduct.silence"]
    assert [(e.value, e.severity.value) for e in silence] == [(30.0, "low"), (60.0, "medium")]
    assert "30秒" in silence[0].message


def test_no_silence_reminder_during_an_announced_hold(mini_kit: AnalysisKit) -> None:
    from assist_app.events import LevelEvent

    engine = GuidanceEngine(mini_kit)
    engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="请您稍等", start=0.0, end=1.0))
    out: list[Event] = []
    for i in range(1, 80):
        out += engine.handle(LevelEvent(t=1.0 + i * 0.5, speaker=Speaker.AGENT, dbfs=-70.0, voiced=False))
    rules = [e.rule for e in out if isinstance(e, ConductEvent)]
    assert "conduct.silence" not in rules
    assert rules == ["conduct.hold_update_due", "conduct.hold_limit"]


def test_customer_talking_delays_the_hold_timer(mini_kit: AnalysisKit) -> None:
    engine = GuidanceEngine(mini_kit)
    engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="请您稍等", start=0.0, end=1.0))
    engine.handle(FinalText(t=12.0, speaker=Speaker.CUSTOMER, text="我跟你说这个事情很急", start=2.0, end=12.0))
    due = [e for t in range(13, 27) for e in engine.tick(float(t)) if isinstance(e, ConductEvent)]
    assert due == []  # 15 s counts from the end of the customer's words, not from "请您稍等"
    assert [e.rule for e in engine.tick(27.0)] == ["conduct.hold_update_due"]


def test_hold_reminder_waits_while_someone_is_speaking(mini_kit: AnalysisKit) -> None:
    from assist_app.events import LevelEvent

    engine = GuidanceEngine(mini_kit)
    engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="请您稍等", start=0.0, end=1.0))
    out: list[Event] = []
    for i in range(1, 40):  # the agent starts talking at 15 s, just as the update falls due
        t = 1.0 + i * 0.5
        out += engine.handle(LevelEvent(t=t, speaker=Speaker.AGENT, dbfs=-20.0, voiced=14.5 <= t <= 18.0))
    due = [e for e in out if isinstance(e, ConductEvent) and e.rule == "conduct.hold_update_due"]
    assert due and due[0].t >= 19.5  # not while the agent was speaking


def test_order_item_only_fails_when_explaining_before_soothing(mini_kit: AnalysisKit) -> None:
    calm_end = GuidanceEngine(mini_kit)
    for sp, text in [
        (Speaker.AGENT, "您好，很高兴为您服务"),
        (Speaker.CUSTOMER, "我想查一下电费"),
        (Speaker.AGENT, "经查询，您的电费已经结清"),
        (Speaker.CUSTOMER, "太失望了"),
    ]:
        calm_end.analyze_utterance(Utterance(sp, text))
    assert {i.key: i.points for i in score_call(calm_end).items}["order"] == 10.0
    rushed = GuidanceEngine(mini_kit)
    for sp, text in [
        (Speaker.AGENT, "您好，很高兴为您服务"),
        (Speaker.CUSTOMER, "太失望了，气死我了，电费怎么这么高"),
        (Speaker.AGENT, "经查询，是因为您上月欠费"),
        (Speaker.AGENT, "非常抱歉，您先别着急"),
    ]:
        rushed.analyze_utterance(Utterance(sp, text))
    assert {i.key: i.points for i in score_call(rushed).items}["order"] == 0.0
