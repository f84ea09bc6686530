"""The panel's Qt-free call pieces (issue 11): hold state and "suggestion used" travel as events
through the session, and the launcher resolves the speech model when a call starts."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import FinalText, HoldChanged, Speaker, SuggestionUsed
from assist_app.library.model import ScriptLibrary
from assist_app.pipeline.session import CallSession
from assist_app.ui.launcher import CallLauncher, LazyEngine
from assist_app.ui.settings import AppSettings


def test_hold_state_is_published_as_events(shipped_library: ScriptLibrary) -> None:
    engine = LazyEngine(lambda: GuidanceEngine(shipped_library, call_id="hold"))
    calls = [
        FinalText(t=2.0, speaker=Speaker.AGENT, text="您好，很高兴为您服务", start=0.0, end=2.0),
        FinalText(t=5.0, speaker=Speaker.CUSTOMER, text="我的账单多扣了钱", start=3.0, end=5.0),
        FinalText(t=8.0, speaker=Speaker.AGENT, text="请您稍等，我帮您查一下", start=6.0, end=8.0),
    ]
    holds = [e for ev in calls for e in engine.handle(ev) if isinstance(e, HoldChanged)]
    assert [h.since for h in holds] == [8.0]  # on hold from the end of the request, said once
    assert not [e for e in engine.tick(20.0) if isinstance(e, HoldChanged)]  # still on hold: nothing new
    thanks = FinalText(t=25.0, speaker=Speaker.AGENT, text="感谢您的耐心等待，查到了", start=23.0, end=25.0)
    back = engine.handle(thanks)
    assert [h.since for h in back if isinstance(h, HoldChanged)] == [None]


class _Script:
    """A source that says one line, waits until the test has sent its command, then ends."""

    name = "script"

    def __init__(self, sent: threading.Event) -> None:
        self.sent = sent

    def run(self, emit: object, stop: threading.Event) -> None:
        assert callable(emit)
        emit(FinalText(t=1.0, speaker=Speaker.AGENT, text="您好", start=0.0, end=1.0))
        self.sent.wait(5.0)


def test_a_used_suggestion_reaches_the_engine_through_the_session(shipped_library: ScriptLibrary) -> None:
    built: list[GuidanceEngine] = []
    seen: list[str] = []

    def make() -> GuidanceEngine:
        engine = GuidanceEngine(shipped_library, call_id="used")
        real = engine.mark_used

        def mark_used(phrase_id: str) -> None:
            seen.append(threading.current_thread().name)
            real(phrase_id)

        engine.mark_used = mark_used  # type: ignore[method-assign]
        built.append(engine)
        return engine

    sent = threading.Event()
    session = CallSession(source=_Script(sent), analyzer=LazyEngine(make), call_id="used")
    session.start()
    try:
        assert session.send(SuggestionUsed(t=1.0, phrase_id="greeting.1"))
        sent.set()
        assert session.wait(10)
    finally:
        session.stop()
    assert "greeting.1" in built[0].analyzer.suggester.said
    assert seen == ["analysis"]  # changed on the analysis thread, never the GUI's
    assert not session.send(SuggestionUsed(t=2.0, phrase_id="x"))  # after the call: refused


def test_the_launcher_pins_the_model_found_when_the_call_starts(tmp_path: Path) -> None:
    installed: dict[str, Path] = {}
    given: list[AppSettings] = []

    def speech_model(s: AppSettings) -> Path | None:
        return installed.get(s.model_dir)

    def live_source(s: AppSettings) -> str:
        given.append(s)
        return "source"

    launcher = CallLauncher(live_source=live_source, speech_model=speech_model)
    settings = AppSettings(model_dir="~/模型/cn")
    assert not launcher.live_ready(settings)
    installed["~/模型/cn"] = tmp_path / "cn"  # installed in 设置 after start-up
    assert launcher.live_ready(settings)
    assert launcher.live_source(settings) == "source"
    assert given[-1].model_dir == str(tmp_path / "cn")  # the folder found now, not the text typed
    assert given[-1] == replace(settings, model_dir=str(tmp_path / "cn"))


def test_practice_without_a_model_types(tmp_path: Path) -> None:
    launcher = CallLauncher(practice_voice=lambda s: "mic", speech_model=lambda s: None)
    assert not launcher.can_hear_trainee(AppSettings())
    assert launcher.practice_voice(AppSettings()) is None


