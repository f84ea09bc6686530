"""Panel controller: owns the call session, feeds engine events to the views, builds the review.

Views (``main_window`` and its parts) only lay out widgets; this class decides what they show.
Everything heavy runs off the GUI thread: the session's source and analysis threads, and the
store's writer thread. The GUI thread only drains the outbound queue (``SessionBridge``) and
updates widgets, so it never blocks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

# Imported here, not on first use: a first import inside a slot stalled the window (bench_ui.py).
from assist_app.analysis.engine import GuidanceEngine, PhraseSettings
from assist_app.analysis.scoring import score_call
from assist_app.demo.audio import ScenarioAudioSource
from assist_app.demo.scenario import Scenario, shown_note
from assist_app.demo.source import ScriptedTranscriptSource
from assist_app.events import (
    CallEnded,
    CallStarted,
    ConductEvent,
    EmotionEvent,
    EmotionLabel,
    EmotionReading,
    Event,
    FinalText,
    Flag,
    FlagKind,
    FlagRaised,
    LevelEvent,
    PartialText,
    Phase,
    PhaseEvent,
    Speaker,
    StatusEvent,
    Suggestion,
    SuggestionEvent,
    Utterance,
)
from assist_app.pipeline.session import CallSession
from assist_app.store.corrections import review_feed
from assist_app.store.models import CallMeta, WorkOrder
from assist_app.store.privacy import LiveMasker, mask_numbers
from assist_app.store.workorder import draft_from_analyses
from assist_app.training.history import save_practice
from assist_app.training.judge import ReplyJudge
from assist_app.training.practice import PracticeSource
from assist_app.training.scorecard import Moment, PracticeScore, score_practice
from assist_app.ui.bridge import SessionBridge
from assist_app.ui.errors import user_message
from assist_app.ui.guidance import StepInfo
from assist_app.ui.history import open_history
from assist_app.ui.main_window import MainWindow
from assist_app.ui.review import ScoreLine, WorkOrderDraft
from assist_app.ui.settings import AppSettings

log = logging.getLogger(__name__)

HOLD_LIMIT_S = 30.0


@dataclass
class CallOutcome:
    """What the review shows after a call (kept for tests, the store and screenshots)."""

    call_id: str
    started: datetime
    scenario: Scenario | None
    score: Any  # analysis.scoring.QAScore | None
    flags: list[tuple[float, Flag]]
    emotions: list[tuple[float, EmotionReading]]
    draft: WorkOrderDraft
    engine: Any
    saved_call_id: str | None = None
    ended_early: bool = False  # a demo/practice stopped before its scenario ran out
    feed: Any = None  # store.corrections.ReviewFeed: the transcript, with 精校转写's corrections


_warm: set[int] = set()


def warm_up(library: Any) -> None:
    """Compile the library's pattern sets and load the segmenter's dictionary now.

    Both take about a second the first time and hold the GIL in C code, so doing them when a call
    starts — on any thread — froze the window for up to a second (benchmarks/bench_ui.py). Done
    once per library, when it is loaded (startup, 校验并重新加载).
    """
    if id(library) in _warm:
        return
    engine = GuidanceEngine(library, call_id="warm-up")
    engine.analyze_utterance(Utterance(Speaker.AGENT, "您好，请问有什么可以帮您？"))
    _warm.add(id(library))


class LazyEngine:
    """The session's ``Analyzer``, building the real ``GuidanceEngine`` on the analysis thread, so
    pressing 开始通话 never waits for it; until it exists the UI-facing properties say "nothing yet".
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._engine: Any = None

    def _get(self) -> Any:
        if self._engine is None:
            self._engine = self._factory()
        return self._engine

    @property
    def ready(self) -> Any:
        return self._engine

    def handle(self, event: Event) -> list[Event]:
        return list(self._get().handle(event))

    def tick(self, t: float) -> list[Event]:
        return list(self._get().tick(t))

    def finish(self, t: float) -> list[Event]:
        return list(self._get().finish(t))

    @property
    def analyses(self) -> list[Any]:
        return list(self._engine.analyses) if self._engine is not None else []

    @property
    def on_hold_since(self) -> float | None:
        return self._engine.on_hold_since if self._engine is not None else None

    @property
    def position(self) -> Any:
        return self._get().position

    def mark_used(self, phrase_id: str) -> None:
        if self._engine is not None:
            self._engine.mark_used(phrase_id)


def conduct_as_flag(ev: ConductEvent) -> Flag:
    """A conduct finding shown like a flag in the alert history and the review."""
    return Flag(rule=ev.rule, kind=FlagKind.CONDUCT, severity=ev.severity, span=(0, 0), matched="",
                message=ev.message, replacement="")


class PanelController(QObject):
    """Wires one ``MainWindow`` to call sessions (demo or live), the library, settings and store."""

    call_finished = Signal(object)  # CallOutcome
    library_reloaded = Signal(list)  # problems (empty = OK)

    def __init__(
        self,
        window: MainWindow,
        *,
        settings: AppSettings | None = None,
        library: Any = None,
        scenarios: list[Scenario] | None = None,
        store: Any = None,
        library_loader: Callable[[Path | None], Any] | None = None,
        live_source_factory: Callable[[AppSettings], Any] | None = None,
        player_factory: Callable[[], Any] | None = None,
        demo_asr: Callable[[AppSettings], Callable[[], Any] | None] | None = None,
        practice_voice: Callable[[AppSettings], Any] | None = None,
        speech_model: Callable[[AppSettings], Any] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings or AppSettings()
        self.library = library
        self.library_problems: list[str] = []
        self.scenarios = scenarios or []
        self.store = store
        self._library_loader = library_loader
        self._live_source_factory = live_source_factory
        self._player_factory = player_factory  # sound output for scenario audio (None: silent)
        self._player: Any = None
        self._demo_asr = demo_asr  # settings → a recognizer-factory loader when a speech model is installed
        self._practice_voice = practice_voice  # the trainee's microphone + recogniser (None: no packages)
        # settings → the speech model folder or None, asked whenever a call starts (None here: the
        # factories alone decide, as in tests)
        self._speech_model = speech_model
        # Saves settings changed outside the dialog (header 置顶/精简); None: not saved (tests, screenshots).
        self.settings_saver: Callable[[AppSettings], Any] | None = None
        self.practice_mode = False
        self.practice_score: PracticeScore | None = None
        self.bridge = SessionBridge(self)
        # Everything the live page shows goes through it when 隐去号码 is on (issue 13).
        self._shown = LiveMasker(self.settings.mask_numbers)
        self.session: Any = None
        self.engine: Any = None
        self.source: Any = None
        self.scenario: Scenario | None = None
        self.demo_mode = False
        self.outcome: CallOutcome | None = None
        self._call_t = 0.0
        self._started = datetime.now()
        self._emotions: list[tuple[float, EmotionReading]] = []
        self._finals = 0
        self._recorder: Any = None
        self._live_score_saved = threading.Event()
        self._hold_timer = QTimer(self)
        self._hold_timer.setInterval(250)
        self._hold_timer.timeout.connect(self._update_hold)
        self._connect()
        if self.library is None and self._library_loader is not None:
            self.reload_library()
        self._apply_library()
        self.window.demo_bar.set_scenarios(self.scenarios)
        self.window.practice_bar.set_scenarios(self.scenarios)
        if self.scenarios:
            self.select_scenario(0)
        self._set_idle_status()

    # -- wiring ------------------------------------------------------------------------------

    def _connect(self) -> None:
        w = self.window
        b = self.bridge
        b.level_changed.connect(self._on_level)
        b.partial_text.connect(self._on_partial)
        b.final_text.connect(self._on_final)
        b.flag_raised.connect(self._on_flag)
        b.conduct_noted.connect(self._on_conduct)
        b.emotion_changed.connect(self._on_emotion)
        b.phase_changed.connect(self._on_phase)
        b.suggestions_ready.connect(self._on_suggestions)
        b.status_changed.connect(self._on_status)
        b.call_started.connect(self._on_call_started)
        b.call_ended.connect(self._on_call_ended)
        w.call_bar.toggle_call.connect(self.toggle_call)
        w.suggestions.copy_requested.connect(self.copy_suggestion)
        w.stepper.phrase_copy_requested.connect(self._copy_text)
        w.demo_button.toggled.connect(self.set_demo_mode)
        w.demo_bar.scenario_changed.connect(self.select_scenario)
        w.demo_bar.play_pause.connect(self.demo_play_pause)
        w.demo_bar.step_requested.connect(self.demo_step)
        w.demo_bar.speed_changed.connect(self.set_speed)
        w.demo_bar.stop_requested.connect(self.end_call)
        w.practice_button.toggled.connect(self.set_practice_mode)
        w.practice_bar.scenario_changed.connect(lambda _index: self.clear_views())
        w.practice_bar.start_requested.connect(self.start_practice)
        w.practice_bar.stop_requested.connect(self.end_call)
        w.practice_bar.reply_submitted.connect(self.submit_reply)
        w.review.back_requested.connect(self.back_to_panel)
        w.review.save_requested.connect(self.save_work_order)
        w.history_button.clicked.connect(self.show_history)
        w.pin_box.toggled.connect(self._on_pin_toggled)
        w.compact_box.toggled.connect(self._on_compact_toggled)
        w.closing.connect(self.shutdown)
        for i in range(3):
            sc = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), w)
            sc.activated.connect(lambda i=i: self.copy_suggestion(i))
        # Space plays/pauses and → steps the demo, whichever control has focus (a focused 演示
        # toggle used to take the Space and leave demo mode mid-call). Text fields keep their
        # Space: Qt gives a focused line edit the key before any shortcut.
        self._demo_keys = [QShortcut(QKeySequence(Qt.Key.Key_Space), w), QShortcut(QKeySequence(Qt.Key.Key_Right), w)]
        self._demo_keys[0].activated.connect(self.demo_play_pause)
        self._demo_keys[1].activated.connect(self.demo_step)
        for key in self._demo_keys:
            key.setAutoRepeat(False)
            key.setEnabled(False)
        QShortcut(QKeySequence("Ctrl+Return"), w).activated.connect(self.toggle_call)
        QShortcut(QKeySequence("Ctrl+Enter"), w).activated.connect(self.toggle_call)

    # -- library and settings ----------------------------------------------------------------

    def reload_library(self, folder: Path | None = None) -> list[str]:
        """Validate and load the script library; on errors keep the last good one."""
        loader = self._library_loader
        if loader is None:
            from assist_app.library import load_library

            loader = load_library
        if folder is None and self.settings.library_dir:
            folder = Path(self.settings.library_dir)
        try:
            lib = loader(folder)
        except Exception as exc:  # LibraryError lists every problem; anything else is one problem
            problems = [str(p) for p in getattr(exc, "problems", [])] or str(exc).splitlines() or [repr(exc)]
            self.library_problems = problems
            self.library_reloaded.emit(problems)
            self._set_idle_status()
            return problems
        self.library = lib
        self.library_problems = []
        self._apply_library()
        self.library_reloaded.emit([])
        self._set_idle_status()
        return []

    def _apply_library(self) -> None:
        lib = self.library
        if lib is None:
            return
        # After the window is up (the event loop runs this once it starts): shows the panel about
        # a second sooner than warming up first (bundle start-up, BENCHMARKS.md).
        QTimer.singleShot(0, lambda: warm_up(lib))
        fill = self._phrase_filler()
        steps = [
            StepInfo(s.id, s.name, s.description, tuple(fill(p.text) for p in s.phrases))
            for s in lib.formula.steps
        ]
        self.window.stepper.set_steps(steps)

    def _phrase_filler(self) -> Callable[[str], str]:
        ps = PhraseSettings(company=self.settings.company, agent_id=self.settings.agent_id,
                            agent_name=self.settings.agent_name)
        return ps.fill

    def apply_settings(self, settings: AppSettings) -> None:
        old = self.settings
        self.settings = settings
        if settings.font_size != old.font_size:
            self.apply_font_size(settings.font_size)
        if settings.library_dir != old.library_dir:
            self.reload_library()
        else:
            self._apply_library()
        self.window.set_compact(settings.compact)
        self.window.set_always_on_top(settings.always_on_top)
        if self.practice_mode:
            text, typing = self.practice_input_mode()
            self.window.practice_bar.set_mode(text, typing=typing)
        self._set_idle_status()

    def apply_font_size(self, size: int) -> None:
        """字号 takes effect at once, no restart (issue 12.13)."""
        from assist_app.ui.theme import apply_theme

        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, size)
        self.window.emotion.timeline.fit_axes()
        self.window.review.timeline.fit_axes()

    def _on_pin_toggled(self, on: bool) -> None:
        self.window.set_always_on_top(on)
        self._save_view_setting(always_on_top=on)

    def _on_compact_toggled(self, on: bool) -> None:
        self._save_view_setting(compact=on)

    def _save_view_setting(self, **changes: Any) -> None:
        """The header's 置顶/精简 are the same settings as in 设置, so they are saved the same way."""
        new = replace(self.settings, **changes)
        if new == self.settings:
            return
        self.settings = new
        if self.settings_saver is None:
            return
        try:
            self.settings_saver(new)
        except Exception:
            log.exception("saving the view settings failed")

    def _set_idle_status(self) -> None:
        if self.session is not None and self.session.running:
            return
        parts = []
        if self.demo_mode:
            parts.append("演示模式：无需麦克风和语音模型")
        elif self.practice_mode:
            parts.append("练习模式：您扮演坐席，场景扮演客户，结束后评分")
        else:
            parts.append(self._live_status())
        if self.library_problems:
            parts.append(f"话术库有 {len(self.library_problems)} 处错误，仍在使用上次可用的版本")
        self.window.call_bar.set_status("；".join(parts))
        self._refresh_call_button()

    def model_ready(self) -> bool:
        """Whether the speech model in the current settings is there (looked up now, not at start-up)."""
        return self._speech_model is None or self._speech_model(self.settings) is not None

    def live_ready(self) -> bool:
        return self._live_source_factory is not None and self.model_ready()

    def _refresh_call_button(self) -> None:
        running = self.session is not None and self.session.running
        can_start = self.demo_mode or self.practice_mode or self.live_ready()
        button = self.window.call_bar.call_button
        button.setEnabled(running or can_start)
        button.setToolTip("开始/结束通话（Ctrl+Enter）" if running or can_start
                          else "还没有语音模型，无法实时监听：请在“设置 → 模型”中安装，或点“演示”试用")

    def _live_status(self) -> str:
        if not self.live_ready():
            return "实时监听不可用：未安装语音模型。请在“设置 → 模型”中安装，或点“演示”试用。"
        return "设备：" + (self.settings.agent_device or "默认麦克风") + " / " + (
            self.settings.customer_device or "默认线路")

    # -- demo --------------------------------------------------------------------------------

    def set_demo_mode(self, on: bool) -> None:
        if self.demo_mode == on:
            return
        if self.session is not None and self.session.running:
            self.end_call()
        if on:
            self.set_practice_mode(False)
        self.demo_mode = on
        self.clear_views()
        for key in self._demo_keys:
            key.setEnabled(on)
        self.window.demo_bar.setVisible(on)
        if self.window.demo_button.isChecked() != on:
            self.window.demo_button.setChecked(on)
        self.window.show_live()
        self._set_idle_status()

    def back_to_panel(self) -> None:
        """返回面板 from the review: a clean panel, ready for the next call."""
        self.window.show_live()
        self.clear_views()

    def select_scenario(self, index: int) -> None:
        if not 0 <= index < len(self.scenarios):
            return
        if self.session is not None and self.session.running:
            return
        if self.scenario is not self.scenarios[index]:
            self.clear_views()
        self.scenario = self.scenarios[index]
        self.window.demo_bar.show_scenario(self.scenario)
        if self.window.demo_bar.picker.currentIndex() != index:
            self.window.demo_bar.picker.setCurrentIndex(index)

    def select_scenario_id(self, scenario_id: str) -> bool:
        for i, s in enumerate(self.scenarios):
            if s.id == scenario_id:
                self.select_scenario(i)
                return True
        return False

    def start_demo(self, speed: float | None = None, *, flat_out: bool = False) -> None:
        """Play the selected scenario through a real session and engine.

        ``speed`` defaults to the demo bar's; ``flat_out`` plays as fast as possible (tests).
        """
        if self.scenario is None or (self.session is not None and self.session.running):
            return
        self.set_demo_mode(True)
        spd = None if flat_out else (speed if speed is not None else self.window.demo_bar.speed_value())
        player = None if flat_out else self.player()
        source: Any
        asr = self._demo_asr(self.settings) if self.scenario.has_audio and self._demo_asr and not flat_out else None
        if asr is not None:
            # With a speech model the demo is heard, not read: the audio goes through the recognizer.
            source = ScenarioAudioSource(self.scenario, asr, player=player)
        else:
            source = ScriptedTranscriptSource(self.scenario, speed=spd, player=player)
        self._start_session(source)

    def player(self) -> Any:
        """The sound output for scenario audio, made on first use (None without a device)."""
        if self._player is None and self._player_factory is not None:
            self._player = self._player_factory()
            self._player_factory = None  # asked once: no device now means no device this session
        return self._player

    # -- practice ----------------------------------------------------------------------------

    def set_practice_mode(self, on: bool) -> None:
        """The trainee plays the agent against a scenario (exclusive with demo mode)."""
        if self.practice_mode == on:
            return
        if self.session is not None and self.session.running:
            self.end_call()
        if on:
            self.set_demo_mode(False)
        self.practice_mode = on
        self.clear_views()
        bar = self.window.practice_bar
        bar.setVisible(on)
        if self.window.practice_button.isChecked() != on:
            self.window.practice_button.setChecked(on)
        text, typing = self.practice_input_mode()
        bar.set_mode(text, typing=typing)
        self.window.show_live()
        self._set_idle_status()

    def practice_input_mode(self) -> tuple[str, bool]:
        """How the trainee answers and why: (explanation, whether they type)."""
        if self._practice_voice is None or not self.model_ready():
            return ("未安装语音模型，无法识别您的语音：请在下面输入回复。"
                    "在“设置 → 模型”中安装后可以直接说话。", True)
        if not self.settings.agent_device:
            return ("还没有选择坐席麦克风：请在下面输入回复，或在“设置 → 设备”中选择麦克风。", True)
        return ("请对着麦克风回答客户（建议戴耳机，以免客户的声音被当成您的）。", False)

    def start_practice(self, *, pace: float | None = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        """Start the scenario picked in the practice bar; ``pace=None`` plays the customer instantly
        and ``clock`` is the practice's call clock (tests)."""
        if self.session is not None and self.session.running:
            return
        index = self.window.practice_bar.picker.currentIndex()
        if not 0 <= index < len(self.scenarios):
            return
        self.set_practice_mode(True)
        self.scenario = self.scenarios[index]
        _text, typing = self.practice_input_mode()
        voice = None if typing or self._practice_voice is None else self._practice_voice(self.settings)
        player = self.player() if pace == 1.0 else None
        self.practice_score = None
        library = self.library
        judge = (lambda: ReplyJudge(library)) if library is not None else None
        self._start_session(PracticeSource(self.scenario, voice=voice, player=player, pace=pace, clock=clock,
                                           judge=judge))
        self.window.practice_bar.set_running(True)

    def submit_reply(self, text: str) -> None:
        """A typed reply from the practice bar; only while the bar shows it is the trainee's turn."""
        if not self.window.practice_bar.reply.isEnabled():
            return
        if isinstance(self.source, PracticeSource) and self.source.submit_text(text):
            self.window.practice_bar.reply.clear()
            self.window.practice_bar.set_your_turn(None)

    def demo_play_pause(self) -> None:
        if self.session is None or not self.session.running:
            self.start_demo()
        elif isinstance(self.source, ScriptedTranscriptSource):
            if self.source.paused:
                self.source.resume()
            else:
                self.source.pause()
        self._update_demo_state()

    def demo_step(self) -> None:
        if self.session is None or not self.session.running:
            self.start_demo()
            if isinstance(self.source, ScriptedTranscriptSource):
                self.source.pause()
        if isinstance(self.source, ScriptedTranscriptSource):
            self.source.step()
        self._update_demo_state()

    def set_speed(self, speed: float) -> None:
        if isinstance(self.source, ScriptedTranscriptSource):
            self.source.set_speed(speed)

    def _update_demo_state(self) -> None:
        running = self.session is not None and self.session.running
        paused = isinstance(self.source, ScriptedTranscriptSource) and self.source.paused
        self.window.demo_bar.set_state(playing=running, paused=paused)

    # -- calls -------------------------------------------------------------------------------

    def toggle_call(self) -> None:
        if self.session is not None and self.session.running:
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
        factory = self._live_source_factory
        if factory is None:  # live_ready() said so already; keeps the type checker informed
            return
        try:
            source = factory(self.settings)
        except Exception as exc:
            log.exception("live source failed")
            self.window.call_bar.set_status(f"无法开始监听：{user_message(exc, '录音设备')}")
            return
        self._start_session(source)

    def _start_session(self, source: Any) -> None:
        if self.library is None:
            self.window.call_bar.set_status("话术库不可用，无法分析通话")
            return
        kind = "practice" if self.practice_mode else "demo" if self.demo_mode else "call"
        call_id = f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
        ps = PhraseSettings(company=self.settings.company, agent_id=self.settings.agent_id,
                            agent_name=self.settings.agent_name)
        library = self.library
        self.engine = LazyEngine(lambda: GuidanceEngine(library, settings=ps, call_id=call_id))
        self.source = source
        sinks = []
        self._recorder = None
        if self.store is not None and self.settings.store_transcripts:
            try:
                mode = "practice" if self.practice_mode else "demo" if self.demo_mode else "live"
                scenario = self.scenario.id if mode != "live" and self.scenario is not None else ""
                self._recorder = self.store.recorder(CallMeta(agent_id=self.settings.agent_id,
                                                              agent_name=self.settings.agent_name,
                                                              mode=mode, scenario_id=scenario))
                sinks.append(self._recorder)
            except Exception:
                log.exception("store recorder unavailable")
        attach = getattr(source, "attach_record", None)
        if callable(attach):  # the live source's second pass (精校转写) writes to the record itself
            recorder, store = self._recorder, self.store
            live_score_saved = self._live_score_saved = threading.Event()

            def save_rescored(score: Any) -> None:  # runs on the second-pass thread, after the call
                # After the score of the live text is saved at call end, never before it.
                live_score_saved.wait(60.0)
                cid = getattr(recorder, "call_id", None)
                if store is not None and isinstance(cid, str):
                    store.save_score(cid, score)

            attach(sinks, lambda: GuidanceEngine(library, settings=ps, call_id=call_id), save_rescored)
        self.session = CallSession(source=source, analyzer=self.engine, sinks=sinks, call_id=call_id)
        self._reset_views()
        self.bridge.attach(self.session.outbound)
        self.session.start()
        self._hold_timer.start()
        self._update_demo_state()

    def end_call(self) -> None:
        """Ask the session to stop; the review opens when its ``CallEnded`` is drained.

        A demo or practice stopped before its scenario ran out is "ended_early": stored and
        reviewed as cut short, not as a finished call marked down for the steps it never reached.
        """
        session = self.session
        if session is None:
            return
        early = (self.demo_mode or self.practice_mode) and session.running and not session.source_finished
        session.stop(reason="ended_early" if early else "normal", timeout=3.0)
        self.bridge.drain()

    def shutdown(self) -> None:
        """Stop everything this controller started (window closing, tests)."""
        self._hold_timer.stop()
        if self.session is not None:
            self.session.stop(reason="interrupted", timeout=3.0)
        self.bridge.detach()

    def _reset_views(self) -> None:
        self.window.show_live()
        self.clear_views()
        self._emotions = []
        self._finals = 0
        self._call_t = 0.0
        self._started = datetime.now()
        self._shown = LiveMasker(self.settings.mask_numbers)

    def clear_views(self) -> None:
        """Empty the live page: every call, scenario and mode starts clean (issue 12.11). The last
        call stays reachable through its review and 记录."""
        if self.session is not None and self.session.running:
            return
        w = self.window
        w.transcript.clear_entries()
        w.alert.reset()
        w.suggestions.reset()
        w.stepper.reset()
        w.emotion.reset()
        w.conduct.reset()
        w.call_bar.set_hold(None)
        w.call_bar.set_call_time(0)
        w.call_bar.set_level("agent", -90.0)
        w.call_bar.set_level("customer", -90.0)
        w.practice_bar.set_your_turn(None)
        w.demo_bar.set_note("")
        w.demo_bar.progress.setText("")
        if self.scenario is not None and self.demo_mode:
            w.demo_bar.set_progress(0, len(self.scenario.turns))

    # -- event handlers (GUI thread) ---------------------------------------------------------

    def _tick_time(self, t: float) -> None:
        if t > self._call_t:
            self._call_t = t
            self.window.call_bar.set_call_time(t)

    def _on_call_started(self, ev: CallStarted) -> None:
        self.window.call_bar.set_in_call(True)
        self._refresh_call_button()
        src = "演示：" + self.scenario.title if self.demo_mode and self.scenario else "实时通话"
        if self.practice_mode and self.scenario is not None:
            src = "练习：" + self.scenario.title
        if isinstance(self.source, ScenarioAudioSource):
            src += "，语音识别中"
        self.window.call_bar.set_status(f"通话中（{src}）")

    def _on_level(self, ev: LevelEvent) -> None:
        if ev.speaker is not None:
            self.window.call_bar.set_level(ev.speaker.value, ev.dbfs)
        self._tick_time(ev.t)

    def _on_partial(self, ev: PartialText) -> None:
        if ev.speaker is not None:
            who = ev.speaker.value
            shown, corrections = self._shown.partial(who, ev.text)
            self.window.transcript.show_partial(who, shown, ev.t)
            self._correct_finals(who, corrections)

    def _on_final(self, ev: FinalText) -> None:
        if ev.speaker is None:
            return
        self._tick_time(ev.t)
        start = ev.start if ev.start is not None else ev.t
        who = ev.speaker.value
        shown, corrections = self._shown.final(who, ev.text)
        self.window.transcript.show_final(who, shown, start)
        self._correct_finals(who, corrections, this_one_shown=True)
        self._finals += 1
        if ev.speaker.value == "agent":
            rate = ev.acoustic.rate_cpm if ev.acoustic and ev.acoustic.rate_cpm else None
            if rate is None and ev.start is not None and ev.end and ev.end > ev.start and len(ev.text) >= 12:
                rate = len(ev.text) / ((ev.end - ev.start) / 60.0)
            if rate is not None and len(ev.text) >= 8:
                self.window.conduct.set_rate(rate)
        if self.practice_mode and ev.speaker is Speaker.AGENT:
            self.window.practice_bar.set_your_turn(None)
        if self.demo_mode and self.scenario is not None:
            self.window.demo_bar.set_progress(self._finals, len(self.scenario.turns))
            note = next((tn.note for tn in self.scenario.turns
                         if tn.text == ev.text and tn.speaker is ev.speaker), "")
            self.window.demo_bar.set_note(shown_note(note))

    def _correct_finals(self, who: str, corrections: list[tuple[int, str]], this_one_shown: bool = False) -> None:
        """Re-mask earlier finals of ``who`` that the newest text turned out to continue a number of
        (``back`` 1 = the final before the newest utterance)."""
        for back, corrected in corrections:
            self.window.transcript.correct_final(who, back - (0 if this_one_shown else 1), corrected)

    def _category_name(self, rule: str) -> str:
        lib = self.library
        if lib is None:
            return ""
        try:
            return str(lib.banned.category_name(rule.split(".")[0]))
        except AttributeError:
            return ""

    def _on_flag(self, ev: FlagRaised) -> None:
        f = ev.flag  # the engine has filled the replacement's placeholders from the same settings
        text = ev.text
        if ev.speaker is not None and text:
            # Masking keeps lengths, so the span still points at the same characters of what is shown.
            text = self._shown.shown(ev.speaker.value, text)
            a, b = f.span
            if text != ev.text and 0 <= a < b <= len(text) and text[a:b] != ev.text[a:b]:
                f = replace(f, matched=text[a:b])  # the flagged words themselves held digits
        self.window.alert.show_flag(f, ev.t, text, self._category_name(f.rule))
        if ev.speaker is not None and f.span[1] > f.span[0]:
            self.window.transcript.highlight(ev.speaker.value, text, f.span)

    def _on_conduct(self, ev: ConductEvent) -> None:
        rule = ev.rule.removeprefix("conduct.")
        if rule == "interrupt":
            self.window.conduct.add_interruption()
        if rule.startswith("rate_"):
            return  # the rate meter already shows it; no banner for a rate wobble
        self.window.conduct.set_note(ev.message)
        self.window.alert.show_notice(ev.message, ev.severity, ev.t)
        self.window.alert.shown.append((ev.t, conduct_as_flag(ev)))

    def _on_emotion(self, ev: EmotionEvent) -> None:
        if ev.speaker is not None and ev.speaker.value != "customer":
            return
        self._emotions.append((ev.t, ev.reading))
        self.window.emotion.show_reading(ev.reading, ev.t)

    def _on_phase(self, ev: PhaseEvent) -> None:
        self.window.stepper.set_position(ev.position)

    def _on_suggestions(self, ev: SuggestionEvent) -> None:
        self.window.suggestions.show_suggestions(ev.suggestions)

    def _on_status(self, ev: StatusEvent) -> None:
        if ev.code == "practice_turn":
            self.window.practice_bar.set_your_turn(ev.message)
            if self._finals == 0:
                self._suggest_greeting()
            return
        self.window.call_bar.set_status(ev.message)

    def _suggest_greeting(self) -> None:
        """Before anyone has spoken the engine has nothing to suggest; the opening is always the
        greeting (首问语), so the library's first greeting phrase is offered."""
        lib = self.library
        step = next((st for st in lib.formula.steps if st.id == Phase.GREETING.value), None) if lib else None
        if step is None or not step.phrases:
            return
        fill = self._phrase_filler()
        self.window.suggestions.show_suggestions(
            (Suggestion(step=Phase.GREETING, text=fill(step.phrases[0].text), reason="通话开始：先问候客户"),))

    def _update_hold(self) -> None:
        engine = self.engine
        since = getattr(engine, "on_hold_since", None) if engine is not None else None
        if since is None or self.session is None or not self.session.running:
            self.window.call_bar.set_hold(None)
            return
        self.window.call_bar.set_hold(max(0.0, self._call_t - since), HOLD_LIMIT_S)

    def _on_call_ended(self, ev: CallEnded) -> None:
        self._hold_timer.stop()
        self.window.call_bar.set_in_call(False)
        self.window.call_bar.set_hold(None)
        session = self.session
        if session is not None:
            session.stop(timeout=3.0)
        self.bridge.detach()
        self._update_demo_state()
        self.outcome = self._build_outcome(ev.call_id, ended_early=ev.reason == "ended_early")
        if self.practice_mode:
            self._finish_practice(self.outcome)
        self._show_review(self.outcome)
        self._set_idle_status()
        self.call_finished.emit(self.outcome)

    # -- review and work order ---------------------------------------------------------------

    def _build_outcome(self, call_id: str, *, ended_early: bool = False) -> CallOutcome:
        score = None
        try:
            engine = self.engine.ready if isinstance(self.engine, LazyEngine) else self.engine
            score = score_call(engine) if engine is not None else None
        except Exception:
            log.exception("scoring failed")
        draft = self._draft(call_id)
        saved = getattr(self._recorder, "call_id", None) if self._recorder is not None else None
        # A call cut short keeps no QA score in the store: it would be marked down for the
        # steps the scenario never reached (the review still shows what was scored so far).
        if self.store is not None and score is not None and saved and not ended_early:
            try:
                self.store.save_score(saved, score)
            except Exception:
                log.exception("saving the score failed")
        self._live_score_saved.set()  # the second pass may now store its re-score
        scenario = self.scenario if (self.demo_mode or self.practice_mode) else None
        analyses = list(getattr(self.engine, "analyses", []))
        flags = [(said_at(t, f, analyses), f) for t, f in self.window.alert.shown]
        return CallOutcome(call_id, self._started, scenario, score,
                           flags, list(self._emotions), draft, self.engine,
                           saved if isinstance(saved, str) else None, ended_early,
                           feed=review_feed(getattr(self.source, "corrector", None), analyses))

    def _draft(self, call_id: str) -> WorkOrderDraft:
        analyses = list(getattr(self.engine, "analyses", []))
        d = WorkOrderDraft(date=self._started.strftime("%Y-%m-%d"), time=self._started.strftime("%H:%M"))
        wo = draft_from_analyses(call_id, self._started, analyses)
        d = WorkOrderDraft(wo.date, wo.time, wo.caller_name, wo.caller_title, wo.gender, wo.phone,
                           wo.summary, wo.handling, wo.follow_up, wo.is_complaint)
        escalated = any(r.label is EmotionLabel.COMPLAINT_ESCALATION for _, r in self._emotions)
        if escalated and not d.is_complaint:
            d = replace(d, is_complaint=True)
        caller = self.scenario.caller if ((self.demo_mode or self.practice_mode) and self.scenario) else None
        if caller is not None:
            d = replace(d, caller_name=d.caller_name or caller.name,
                        caller_title=d.caller_title or caller.title,
                        gender=d.gender or caller.gender, phone=d.phone or caller.phone)
        if self.settings.mask_numbers and d.phone:
            d = replace(d, phone=mask_phone(d.phone))
        return d

    def _finish_practice(self, o: CallOutcome) -> None:
        """Score the practice against the norms and record it for the trainee."""
        self.window.practice_bar.set_running(False)
        engine = self.engine.ready if isinstance(self.engine, LazyEngine) else self.engine
        if engine is None or o.scenario is None:
            return
        replies = self.source.replies if isinstance(self.source, PracticeSource) else []
        try:
            typed = isinstance(self.source, PracticeSource) and self.source.voice is None
            self.practice_score = score_practice(engine, o.scenario, replies, typed=typed)
        except Exception:
            log.exception("practice scoring failed")
            return
        trainee = self.window.practice_bar.trainee.text().strip()
        if self.store is not None:
            try:
                save_practice(self.store, trainee, self.practice_score, started=o.started,
                              call_id=o.saved_call_id)
            except Exception:
                log.exception("saving the practice failed")

    def _show_review(self, o: CallOutcome) -> None:
        r = self.window.review
        practice = self.practice_score if self.practice_mode else None
        title = "练习评分" if practice is not None else "通话回顾"
        if o.scenario is not None:
            title += f"：{o.scenario.title}"
        if o.ended_early:
            title += "（提前结束）"
        r.show_header(title)
        if practice is not None:
            lines = [ScoreLine(i.name_zh + (f"（×{practice.weight(i.key):g}）" if practice.weight(i.key) != 1 else ""),
                               i.points, i.max_points, tuple(i.notes), practice.applicable(i.key))
                     for i in practice.items]
            r.show_score(practice.total, lines)
            r.show_practice(practice.passed, practice.pass_score, [practice_moment_text(m) for m in practice.moments],
                            complete=practice.complete)
        else:
            items = o.score.items if o.score else ()
            # Cut short, the call never reached its closing: 未涉及 rather than marked down for it.
            idle = {"closing"} if o.ended_early else set()
            lines = [ScoreLine(i.name_zh, i.points, i.max_points, tuple(i.notes),
                               not (i.key in idle and i.points == 0)) for i in items]
            total = o.score.total if o.score else None
            scored = [ln for ln in lines if ln.applicable]
            if o.ended_early and scored and len(scored) < len(lines):
                total = round(100.0 * sum(ln.points for ln in scored) / sum(ln.max_points for ln in scored), 1)
            r.show_score(total, lines)
            if o.ended_early:
                r.total_note.setText("提前结束：只评了已进行的部分（未涉及的项不计分），仅供参考，不存入记录。")
            r.show_practice(None, 0, [])
        r.follow(o.feed, o.flags)
        r.show_emotions(o.emotions)
        r.show_draft(o.draft)
        r.set_save_status("投诉工单：请在 24 小时内回访。" if o.draft.is_complaint else
                          ("" if self.store is not None else "未连接通话记录库，工单不会保存"))
        self.window.show_review()

    def show_last_review(self) -> None:
        if self.outcome is not None:
            self._show_review(self.outcome)
        else:
            self.window.call_bar.set_status("还没有已结束的通话")

    def show_history(self) -> None:
        """记录: stored calls newest first, the call just finished selected (``ui.history``)."""
        o = self.outcome
        open_history(self.window, self.store, focus_call_id=o.saved_call_id if o is not None else None,
                     last_review=self.show_last_review if o is not None else None)

    def save_work_order(self, d: WorkOrderDraft) -> None:
        o = self.outcome
        if o is None:
            return
        o.draft = d
        if self.store is None:
            self.window.review.set_save_status("未连接通话记录库，工单没有保存")
            return
        try:
            cid = o.saved_call_id or o.call_id
            order = WorkOrder(call_id=cid, date=d.date, time=d.time, caller_name=d.caller_name,
                              caller_title=d.caller_title, gender=d.gender, phone=d.phone, summary=d.summary,
                              handling=d.handling, follow_up=d.follow_up, is_complaint=d.is_complaint,
                              status="open" if d.is_complaint else "draft")
            self.store.save_work_order(order)
        except Exception as exc:
            log.exception("saving the work order failed")
            self.window.review.set_save_status(f"保存失败：{user_message(exc, '工单')}")
            return
        self.window.review.set_save_status(f"已保存（{datetime.now():%H:%M:%S}）")

    # -- suggestions -------------------------------------------------------------------------

    def copy_suggestion(self, index: int) -> None:
        cards = self.window.suggestions.cards
        if not 0 <= index < len(cards):
            return
        card = cards[index]
        if card.suggestion is None or card.isHidden():
            return
        self._copy_text(card.suggestion.text)
        card.mark_used()
        if self.engine is not None and card.suggestion.phrase_id:
            self.engine.mark_used(card.suggestion.phrase_id)

    def _copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    # -- replay (screenshots, headless) ------------------------------------------------------

    def replay(self, events: list[Event], engine: Any = None, *, demo: bool = True) -> None:
        """Show recorded events as if they had just arrived (headless runs, screenshots).

        ``engine`` is the one that produced them (for the score and work order at ``CallEnded``).
        """
        self.set_demo_mode(demo)
        self._reset_views()
        self.engine = engine
        self.window.demo_bar.set_state(playing=True, paused=True)
        for ev in events:
            self.bridge.dispatch(ev)


def said_at(t: float, flag: Flag, analyses: list[Any]) -> float:
    """When the flagged words' utterance began, the time the score card gives them; the alert
    fired on a partial a moment later (the review said 00:02 where the score said 00:00)."""
    if not flag.matched:
        return t
    for a in analyses:
        u = a.utterance
        if u.start is None or flag.matched not in u.text:
            continue
        end = u.end if u.end is not None else u.start
        if u.start - 0.5 <= t <= end + 1.0:
            return float(u.start)
    return t


def practice_moment_text(m: Moment) -> str:
    """One costly moment as the review lists it."""
    text = m.problem if m.t is None else f"{int(m.t // 60):02d}:{int(m.t % 60):02d} {m.problem}"
    if m.said:
        text += f"：「{m.said}」"
    if m.better:
        text += f"\n    更好的说法：{m.better}"
    if m.reference and m.reference != m.better:
        text += f"\n    参考说法：{m.reference}"
    return text


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits (privacy setting "mask numbers")."""
    return mask_numbers(phone)

