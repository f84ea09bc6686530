"""Headless demo runner: one scenario through the real ``CallSession`` and guidance engine, no Qt.

``assist-app demo --headless`` and the scenario tests use it; the GUI's demo mode runs the same
session with the same source, only draining the outbound queue with a timer instead.
"""

from __future__ import annotations

import json
import queue
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist_app.demo.expectations import check_scenario
from assist_app.demo.scenario import Scenario
from assist_app.demo.source import ScriptedTranscriptSource
from assist_app.events import (
    ConductEvent,
    EmotionEvent,
    Event,
    FlagRaised,
    UtteranceAnalysis,
)
from assist_app.formatting import duration_zh
from assist_app.outfiles import atomic_write
from assist_app.pipeline.session import CallSession, Sink

if TYPE_CHECKING:
    from assist_app.analysis.engine import GuidanceEngine
    from assist_app.analysis.scoring import QAScore
    from assist_app.library.model import ScriptLibrary


@dataclass
class DemoResult:
    """What one demo run produced: the events, the engine's analyses, the score and any misses."""

    scenario: Scenario
    call_id: str
    events: list[Event]
    analyses: list[UtteranceAnalysis]
    final_order: list[int]
    score: QAScore | None
    problems: list[str]
    engine: Any = None
    dropped: int = 0

    @property
    def flags(self) -> list[FlagRaised]:
        """Banned-phrase flags as raised (each once: on the partial text or else on the final)."""
        return [e for e in self.events if isinstance(e, FlagRaised)]

    @property
    def conduct(self) -> list[ConductEvent]:
        return [e for e in self.events if isinstance(e, ConductEvent)]


def build_engine(library: ScriptLibrary | None = None, *, company: str = "", agent_id: str = "",
                 agent_name: str = "", call_id: str = "demo") -> GuidanceEngine:
    """The guidance engine over ``library`` (default: the shipped script library)."""
    from assist_app.analysis.engine import EngineFactory, PhraseSettings
    from assist_app.library import load_library

    lib = library if library is not None else load_library()
    settings = PhraseSettings(company=company, agent_id=agent_id, agent_name=agent_name)
    return EngineFactory(lib, settings)(call_id)


def run_demo(
    scenario: Scenario,
    *,
    speed: float | None = None,
    engine: Any = None,
    sinks: Sequence[Sink] = (),
    call_id: str | None = None,
    timeout: float = 600.0,
    on_event: Callable[[Event], None] | None = None,
) -> DemoResult:
    """Play ``scenario`` to the end (``speed=None``: as fast as possible) and collect everything."""
    cid = call_id or f"demo-{scenario.id}"
    eng = engine if engine is not None else build_engine(call_id=cid)
    source = ScriptedTranscriptSource(scenario, speed=speed)
    session = CallSession(source=source, analyzer=eng, sinks=sinks, call_id=cid)
    events: list[Event] = []
    session.start()
    try:
        while True:
            try:
                ev = session.outbound.get(timeout=0.5)
            except queue.Empty:  # keep waiting until the session ends
                if session.wait(0):
                    break
                continue
            events.append(ev)
            if on_event is not None:
                on_event(ev)
            if ev.type_name == "call_ended":
                break
    finally:
        session.stop(timeout=min(timeout, 10.0))
    analyses = list(getattr(eng, "analyses", []))
    score = None
    try:
        from assist_app.analysis.scoring import score_call

        score = score_call(eng)
    except ImportError:
        score = None
    problems = check_scenario(scenario, analyses, source.final_order,
                              score.total if score is not None else None)
    return DemoResult(scenario, cid, events, analyses, list(source.final_order), score, problems, eng,
                      session.dropped_outbound + session.dropped_inbound)


def format_summary(result: DemoResult) -> str:
    """The session summary in Chinese, as printed by ``assist-app demo --headless``."""
    s = result.scenario
    lines = [f"演示场景：{s.title}（{s.id}，{s.difficulty_zh}）"]
    finals = [e for e in result.events if e.type_name == "final"]
    ends = [e.t for e in result.events if e.type_name == "call_ended"]
    duration = ends[-1] if ends else s.duration
    # whole seconds, cut (the summary has always truncated)
    lines.append(f"通话时长：{duration_zh(int(duration))}，共 {len(finals)} 句")
    if result.score is not None:
        lines.append(f"质检得分：{result.score.total:.0f} / 100")
        for item in result.score.items:
            lines.append(f"  · {item.name_zh}：{item.points:g}/{item.max_points:g}")
    flags = result.flags
    if flags:
        counts = Counter(f.flag.message or f.flag.rule for f in flags)
        detail = "、".join(f"{k}×{v}" for k, v in counts.items())
        lines.append(f"服务忌语：{len(flags)} 次（{detail}）")
    else:
        lines.append("服务忌语：无")
    conduct = result.conduct
    if conduct:
        counts = Counter(_short(e.message) for e in conduct)
        detail = "、".join(f"{k}×{v}" if v > 1 else k for k, v in counts.items())
        lines.append(f"服务规范提醒：{len(conduct)} 次（{detail}）")
    emotions = [e for e in result.events if isinstance(e, EmotionEvent)]
    if emotions:
        peak = max(emotions, key=lambda e: e.reading.intensity)
        last = emotions[-1]
        lines.append(
            f"客户情绪：最高 {peak.reading.label.label_zh}（{peak.reading.intensity:.0%}），"
            f"结束时 {last.reading.label.label_zh}"
        )
    if result.problems:
        lines.append(f"与场景预期不符：{len(result.problems)} 处")
        lines.extend(f"  ! {p}" for p in result.problems)
    else:
        lines.append("与场景预期一致 ✓")
    if result.dropped:
        lines.append(f"注意：丢弃了 {result.dropped} 个事件（队列已满）")
    return "\n".join(lines)


def _short(message: str) -> str:
    """A conduct message without its changing numbers in brackets, for counting."""
    return message.split("（")[0]


def write_events(path: Path, events: Sequence[Event]) -> None:
    with atomic_write(path) as fh:
        for ev in events:
            if ev.on_wire:
                fh.write(json.dumps(ev.to_json(), ensure_ascii=False) + "\n")
