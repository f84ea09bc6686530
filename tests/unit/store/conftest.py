"""Shared helpers for the store tests: a scripted call's events, as the engine would publish them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assist_app.events import (
    CallEnded,
    CallStarted,
    EmotionEvent,
    EmotionLabel,
    EmotionReading,
    Event,
    FinalText,
    Flag,
    FlagKind,
    FlagRaised,
    FormulaPosition,
    Phase,
    PhaseEvent,
    Severity,
    Speaker,
    Suggestion,
    SuggestionEvent,
    UtteranceAnalysed,
)
from assist_app.store import CallStore

A, C = Speaker.AGENT, Speaker.CUSTOMER

# (speaker, text, phase, emotion or None)
SCRIPT: list[tuple[Speaker, str, Phase, EmotionLabel | None]] = [
    (A, "您好，很高兴为您服务，请问有什么可以帮助您？", Phase.GREETING, None),
    (C, "我家宽带又断了，我的手机号是13812345678，你们到底管不管", Phase.ASKING, EmotionLabel.ANGRY),
    (A, "非常抱歉给您带来不便，王先生您先别着急", Phase.SOOTHING, None),
    (C, "再不修好我就去工信部投诉你们", Phase.ASKING, EmotionLabel.COMPLAINT_ESCALATION),
    (A, "这个不归我管", Phase.OTHER, None),
    (A, "系统显示您所在小区光缆故障，工程师正在抢修", Phase.EXPLANATION, None),
    (A, "建议您先使用手机热点，我们会在二十四小时内给您回复", Phase.ADVICE, None),
    (C, "好的谢谢", Phase.CLOSING, EmotionLabel.POSITIVE),
    (A, "感谢您的来电，再见！", Phase.CLOSING, None),
]

BANNED = Flag(
    rule="buck_passing",
    kind=FlagKind.BANNED_PHRASE,
    severity=Severity.HIGH,
    span=(2, 6),
    matched="不归我管",
    message="推诿用语",
    replacement="这个问题我帮您联系相关部门处理",
)


def call_events(call_id: str = "c1", *, end: bool = True, t0: float = 0.0) -> Iterator[Event]:
    """The events of SCRIPT in engine order: the numbered final text, then phase, emotion, flags,
    suggestions (each naming its utterance) and the engine's ``UtteranceAnalysed`` record."""
    yield CallStarted(t=t0, call_id=call_id, source="test")
    t = t0
    done: list[Phase] = []
    for n, (speaker, text, phase, emotion) in enumerate(SCRIPT):
        start, t = t, t + 3.0
        yield FinalText(t=t, speaker=speaker, text=text, start=start, end=t, utterance=n)
        if phase not in done and phase is not Phase.OTHER:
            done.append(phase)
        position = FormulaPosition(tuple(done), phase, None)
        yield PhaseEvent(t=t, speaker=speaker, phase=phase, position=position, utterance=n)
        reading = EmotionReading(emotion, 0.8, ("cue",)) if emotion is not None else None
        if reading is not None:
            yield EmotionEvent(t=t, speaker=speaker, reading=reading, text=text, utterance=n)
        if "不归我管" in text:
            yield FlagRaised(t=t, speaker=speaker, flag=BANNED, text=text, final=True, utterance=n)
        if emotion is EmotionLabel.ANGRY:
            yield SuggestionEvent(
                t=t,
                speaker=None,
                suggestions=(Suggestion(Phase.SOOTHING, "非常抱歉给您带来不便", "客户情绪激动，先安抚"),),
                utterance=n,
            )
        yield UtteranceAnalysed(t=t, speaker=speaker, phase=phase, call_phase=position.current, emotion=reading,
                                utterance=n)
    if end:
        yield CallEnded(t=t, call_id=call_id, reason="normal")


@pytest.fixture(name="call_events")
def call_events_fixture() -> Callable[..., Iterator[Event]]:
    """The scripted call's events (a fixture because test modules cannot import conftest)."""
    return call_events


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "calls.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[CallStore]:
    s = CallStore(db_path)
    try:
        yield s
    finally:
        s.close()
