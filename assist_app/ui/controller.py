# Kept whole at ~410 lines: the composition of one window's features, each of which has its own module.
"""Panel controller: the composition of one ``MainWindow``'s features (issue 11).

It owns the mode (``CallMode``), the library and settings, and the running call; each feature
has its own piece: ``CallLauncher`` (Qt-free) starts calls and resolves the speech model when
they start, ``LivePresenter`` shows engine events, ``DemoController`` and
``PracticeController`` run their modes, ``ReviewController`` shows and saves what a call left
(``build_outcome`` scores it and drafts the work order, without Qt).

Everything heavy runs off the GUI thread: the session's source and analysis threads, the store's
writer thread, and short worker threads for the store calls that block (``BackgroundJobs``). The
GUI thread drains the session's outbound queue (``SessionBridge``) and updates widgets; what it
tells the engine goes in through the session as a command (``SuggestionUsed``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut

from assist_app.analysis.engine import GuidanceEngine
from assist_app.audio.playback import ClipPlayer
from assist_app.demo.audio import ScenarioAudioSource
from assist_app.demo.scenario import Scenario
from assist_app.events import CallEnded, CallStarted, EndReason, Event, SuggestionUsed
from assist_app.library.model import ScriptLibrary
from assist_app.pipeline.session import CallSession, CallSource
from assist_app.store.callstore import CallStore
from assist_app.store.models import WorkOrder
from assist_app.training.scorecard import PracticeScore
from assist_app.ui.background import BackgroundJobs
from assist_app.ui.bridge import SessionBridge
from assist_app.ui.call_mode import CallMode
from assist_app.ui.demo_controller import DemoController
from assist_app.ui.errors import user_message
from assist_app.ui.launcher import (
    CallLauncher,
    LaunchedCall,
    LazyEngine,
    LibraryWarmer,
    RecognizerLoader,
    SourceFactory,
)
from assist_app.ui.live_presenter import LivePresenter
from assist_app.ui.main_window import MainWindow
from assist_app.ui.outcome import CallOutcome, build_outcome
from assist_app.ui.panel_config import PanelConfig
from assist_app.ui.practice_controller import PracticeController
from assist_app.ui.review_controller import ReviewController
from assist_app.ui.settings import AppSettings

log = logging.getLogger(__name__)

NO_MODEL_TIP = "还没有语音模型，无法实时监听：请在“设置 → 模型”中安装，或点“演示”试用"


class PanelController(QObject):
    """Wires one ``MainWindow`` to call sessions (live, demo or practice), the library, settings
    and store; see the module docstring for the pieces."""

    call_finished = Signal(object)  # CallOutcome
    library_reloaded = Signal(list)  # problems (empty = OK)

    def __init__(
        self,
        window: MainWindow,
        *,
        settings: AppSettings | None = None,
        library: ScriptLibrary | None = None,
        scenarios: list[Scenario] | None = None,
        store: CallStore | None = None,
        library_loader: Callable[[Path | None], ScriptLibrary] | None = None,
        live_source_factory: SourceFactory | None = None,
        player_factory: Callable[[], ClipPlayer | None] | None = None,
        demo_asr: Callable[[AppSettings], RecognizerLoader | None] | None = None,
        practice_voice: SourceFactory | None = None,
        speech_model: Callable[[AppSettings], Path | None] | None = None,
        warmer: LibraryWarmer | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings or AppSettings()
        self.library = library
        self.library_problems: list[str] = []
        self.scenarios = scenarios or []
        self.store = store
        self.launcher = CallLauncher(store=store, live_source=live_source_factory, speech_model=speech_model,
                                     demo_asr=demo_asr, practice_voice=practice_voice)
        self.warmer = warmer or LibraryWarmer()
        # Saves settings changed outside the dialog (header 置顶/精简); None: not saved (tests, screenshots).
        self.settings_saver: Callable[[AppSettings], Any] | None = None
        self.mode = CallMode.LIVE
        self.scenario: Scenario | None = None
        self.call: LaunchedCall | None = None
        self.engine: LazyEngine | GuidanceEngine | None = None  # the last call's (or a replay's)
        self.outcome: CallOutcome | None = None
        self._started = datetime.now()
        self.bridge = SessionBridge(self)
        self.saves = BackgroundJobs(self, name="panel-save")  # store writes that block, off the GUI thread
        self.live = LivePresenter(window, settings=lambda: self.settings, library=lambda: self.library)
        self.live.connect(self.bridge)
        self.demo = DemoController(self, player_factory)
        self.practice = PracticeController(self)
        self.review = ReviewController(self)
        self.config = PanelConfig(self, library_loader)
        self._connect()
        if self.library is None and library_loader is not None:
            self.reload_library()
        self.config.apply_library()
        self.window.demo_bar.set_scenarios(self.scenarios)
        self.window.practice_bar.set_scenarios(self.scenarios)
        if self.scenarios:
            self.select_scenario(0)
        self.refresh_status()

    def _connect(self) -> None:
        w = self.window
        self.bridge.call_started.connect(self._on_call_started)
        self.bridge.call_ended.connect(self._on_call_ended)
        w.call_bar.toggle_call.connect(self.toggle_call)
        w.suggestions.copy_requested.connect(self.copy_suggestion)
        w.stepper.phrase_copy_requested.connect(self._copy_text)
        w.demo_button.toggled.connect(self.set_demo_mode)
        w.practice_button.toggled.connect(self.set_practice_mode)
        w.closing.connect(self.shutdown)
        for i in range(3):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), w).activated.connect(lambda i=i: self.copy_suggestion(i))
        QShortcut(QKeySequence("Ctrl+Return"), w).activated.connect(self.toggle_call)
        QShortcut(QKeySequence("Ctrl+Enter"), w).activated.connect(self.toggle_call)

    # -- state other pieces read ---------------------------------------------------------------

    @property
    def session(self) -> CallSession | None:
        return self.call.session if self.call is not None else None

    @property
    def source(self) -> CallSource | None:
        return self.call.source if self.call is not None else None

    @property
    def demo_mode(self) -> bool:
        return self.mode is CallMode.DEMO

    @property
    def practice_mode(self) -> bool:
        return self.mode is CallMode.PRACTICE

    @property
    def practice_score(self) -> PracticeScore | None:
        return self.practice.score

    def call_running(self) -> bool:
        return self.call is not None and self.call.session.running

    # -- library and settings (``PanelConfig``) -----------------------------------------------

    def reload_library(self, folder: Path | None = None) -> list[str]:
        """Validate and load the script library; on errors keep the last good one."""
        return self.config.reload_library(folder)

    def apply_settings(self, settings: AppSettings) -> None:
        self.config.apply_settings(settings)

    def apply_font_size(self, size: int) -> None:
        self.config.apply_font_size(size)

    def model_ready(self) -> bool:
        """Whether the speech model in the current settings is there (looked up now, not at start-up)."""
        return self.launcher.model_ready(self.settings)

    def live_ready(self) -> bool:
        return self.launcher.live_ready(self.settings)

    def practice_input_mode(self) -> tuple[str, bool]:
        return self.practice.input_mode()

    def refresh_status(self) -> None:
        """Between calls: what the call bar says about the mode, the devices and the library."""
        if self.call_running():
            return
        parts = [{CallMode.DEMO: "演示模式：无需麦克风和语音模型",
                  CallMode.PRACTICE: "练习模式：您扮演坐席，场景扮演客户，结束后评分"}.get(self.mode)
                 or self._live_status()]
        if self.library_problems:
            parts.append(f"话术库有 {len(self.library_problems)} 处错误，仍在使用上次可用的版本")
        self.window.call_bar.set_status("；".join(parts))
        self._refresh_call_button()

    def _refresh_call_button(self) -> None:
        ok = self.call_running() or self.mode.scripted or self.live_ready()
        self.window.call_bar.set_can_call(ok, "开始/结束通话（Ctrl+Enter）" if ok else NO_MODEL_TIP)

    def _live_status(self) -> str:
        if not self.live_ready():
            return "实时监听不可用：未安装语音模型。请在“设置 → 模型”中安装，或点“演示”试用。"
        return "设备：" + (self.settings.agent_device or "默认麦克风") + " / " + (
            self.settings.customer_device or "默认线路")

    # -- modes ---------------------------------------------------------------------------------

    def set_mode(self, mode: CallMode) -> None:
        """Switch between live, demo and practice; a running call ends first."""
        if self.mode is mode:
            return
        if self.call_running():
            self.end_call()
        self.mode = mode
        self.clear_views()
        self.demo.mode_changed()
        self.practice.mode_changed()
        self.window.set_mode_buttons(demo=mode is CallMode.DEMO, practice=mode is CallMode.PRACTICE)
        self.window.show_live()
        self.refresh_status()

    def set_demo_mode(self, on: bool) -> None:
        if on or self.demo_mode:
            self.set_mode(CallMode.DEMO if on else CallMode.LIVE)

    def set_practice_mode(self, on: bool) -> None:
        """The trainee plays the agent against a scenario (exclusive with demo mode)."""
        if on or self.practice_mode:
            self.set_mode(CallMode.PRACTICE if on else CallMode.LIVE)

    def back_to_panel(self) -> None:
        """返回面板 from the review: a clean panel, ready for the next call."""
        self.window.show_live()
        self.clear_views()

    # The demo and practice pieces, under the names the app, scripts and tests use.

    def select_scenario(self, index: int) -> None:
        self.demo.select_scenario(index)

    def select_scenario_id(self, scenario_id: str) -> bool:
        return self.demo.select_scenario_id(scenario_id)

    def start_demo(self, speed: float | None = None, *, flat_out: bool = False) -> None:
        self.demo.start(speed, flat_out=flat_out)

    def demo_play_pause(self) -> None:
        self.demo.play_pause()

    def demo_step(self) -> None:
        self.demo.step()

    def set_speed(self, speed: float) -> None:
        self.demo.set_speed(speed)

    def player(self) -> ClipPlayer | None:
        return self.demo.player()

    def start_practice(self, *, pace: float | None = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.practice.start(pace=pace, clock=clock)

    def submit_reply(self, text: str) -> None:
        self.practice.submit_reply(text)

    def show_last_review(self) -> None:
        self.review.show_last()

    def show_history(self) -> None:
        self.review.show_history()

    def save_work_order(self, d: WorkOrder) -> None:
        self.review.save_work_order(d)

    # -- calls ---------------------------------------------------------------------------------

    def toggle_call(self) -> None:
        if self.call_running():
            self.end_call()
        elif self.demo_mode:
            self.start_demo()
        elif self.practice_mode:
            self.start_practice()
        else:
            self.start_live()

    def start_live(self) -> None:
        if not self.live_ready():
            self.window.call_bar.set_status("没有可用的语音模型：请在“设置 → 模型”中安装；也可以点“演示”试用。")
            self._refresh_call_button()
            return
        try:
            source = self.launcher.live_source(self.settings)  # the model is resolved here, now
        except Exception as exc:
            log.exception("live source failed")
            self.window.call_bar.set_status(f"无法开始监听：{user_message(exc, '录音设备')}")
            return
        self.start_session(source)

    def start_session(self, source: CallSource) -> None:
        """Run ``source`` as a call in the current mode."""
        if self.library is None:
            self.window.call_bar.set_status("话术库不可用，无法分析通话")
            return
        self.reset_views()
        self.demo.call_starting(self.scenario)
        scenario_id = self.scenario.id if self.mode.scripted and self.scenario is not None else ""
        self.call = self.launcher.launch(source, mode=self.mode, library=self.library, settings=self.settings,
                                         scenario_id=scenario_id)
        self.engine = self.call.engine
        self.bridge.attach(self.call.session.outbound)
        self.demo.update_state()

    def end_call(self) -> None:
        """Ask the session to stop; the review opens when its ``CallEnded`` is drained.

        A demo or practice stopped before its scenario ran out is "ended_early": stored and
        reviewed as cut short, not as a finished call marked down for the steps it never reached.
        """
        session = self.session
        if session is None:
            return
        early = self.mode.scripted and session.running and not session.source_finished
        session.stop(reason=EndReason.ENDED_EARLY if early else EndReason.NORMAL, timeout=3.0)
        self.bridge.drain()

    def shutdown(self) -> None:
        """Stop everything this controller started (window closing, tests)."""
        if self.session is not None:
            self.session.stop(reason=EndReason.INTERRUPTED, timeout=3.0)
        self.bridge.detach()
        self.saves.shutdown()

    def reset_views(self) -> None:
        """A new call: the live page and the presenter's log start empty."""
        self.window.show_live()
        self.clear_views()
        self.live.reset_call()
        self._started = datetime.now()

    def clear_views(self) -> None:
        """Empty the live page: every call, scenario and mode starts clean (issue 12.11). The last
        call stays reachable through its review and 记录."""
        if self.call_running():
            return
        self.live.clear_views()
        self.window.practice_bar.set_your_turn(None)
        self.demo.clear_views()

    def _on_call_started(self, ev: CallStarted) -> None:
        self.window.call_bar.set_in_call(True)
        self._refresh_call_button()
        scenario = self.scenario
        src = "演示：" + scenario.title if self.demo_mode and scenario else "实时通话"
        if self.practice_mode and scenario is not None:
            src = "练习：" + scenario.title
        if isinstance(self.source, ScenarioAudioSource):
            src += "，语音识别中"
        self.window.call_bar.set_status(f"通话中（{src}）")

    def _on_call_ended(self, ev: CallEnded) -> None:
        self.live.call_over()
        self.window.call_bar.set_in_call(False)
        call = self.call
        if call is not None:
            call.session.stop(timeout=3.0)
        self.bridge.detach()
        self.demo.update_state()
        engine = self.engine.ready if isinstance(self.engine, LazyEngine) else self.engine
        self.outcome = build_outcome(
            engine, self.scenario if self.mode.scripted else None, self.settings.mask_numbers,
            call_id=ev.call_id, started=self._started, flags=self.live.alerts.shown, emotions=self.live.emotions,
            saved_call_id=call.saved_call_id if call is not None else None,
            ended_early=ev.reason == EndReason.ENDED_EARLY,
            corrector=getattr(self.source, "corrector", None))
        if call is not None:
            self.review.save_score(self.outcome, call.live_score_saved)
        if self.practice_mode:
            self.practice.finish(self.outcome)
        self.review.show(self.outcome, self.practice.score if self.practice_mode else None)
        self.refresh_status()
        self.call_finished.emit(self.outcome)

    # -- suggestions ---------------------------------------------------------------------------

    def copy_suggestion(self, index: int) -> None:
        """Copy suggestion ``index``; the engine hears that it was used through the session."""
        suggestion = self.window.suggestions.shown_suggestion(index)
        if suggestion is None:
            return
        self._copy_text(suggestion.text)
        self.window.suggestions.mark_used(index)
        if suggestion.phrase_id and self.call is not None:
            self.call.session.send(SuggestionUsed(t=self.live.call_t, phrase_id=suggestion.phrase_id))

    def _copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    # -- replay (screenshots, headless) --------------------------------------------------------

    def replay(self, events: list[Event], engine: GuidanceEngine | None = None, *, demo: bool = True) -> None:
        """Show recorded events as if they had just arrived (headless runs, screenshots).

        ``engine`` is the one that produced them (for the score and work order at ``CallEnded``).
        """
        self.set_demo_mode(demo)
        self.reset_views()
        self.demo.call_starting(self.scenario)
        self.call = None
        self.engine = engine
        self.window.demo_bar.set_state(playing=True, paused=True)
        for ev in events:
            self.bridge.dispatch(ev)
