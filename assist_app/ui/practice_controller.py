"""Practice mode: the trainee plays the agent against a scenario, typed or spoken, and is scored
against the norms when it ends (issue 11: split out of the panel controller). The score is
saved for the trainee off the GUI thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from assist_app.events import FinalText, PracticeTurn, Speaker, StatusEvent
from assist_app.training.history import save_practice
from assist_app.training.judge import ReplyJudge
from assist_app.training.practice import PracticeSource
from assist_app.training.scorecard import PracticeScore, score_practice
from assist_app.ui.call_mode import CallMode
from assist_app.ui.outcome import CallOutcome

if TYPE_CHECKING:
    from assist_app.ui.controller import PanelController

log = logging.getLogger(__name__)


class PracticeController(QObject):
    """The practice bar's controls, the trainee's turns, and the practice score."""

    def __init__(self, panel: PanelController) -> None:
        super().__init__(panel)
        self.panel = panel
        self.window = panel.window
        self.score: PracticeScore | None = None
        bar = self.window.practice_bar
        bar.scenario_changed.connect(lambda _index: panel.clear_views())
        bar.start_requested.connect(self.start)
        bar.stop_requested.connect(panel.end_call)
        bar.reply_submitted.connect(self.submit_reply)
        panel.bridge.final_text.connect(self.on_final)
        panel.bridge.status_changed.connect(self.on_status)

    @property
    def active(self) -> bool:
        return self.panel.mode is CallMode.PRACTICE

    def mode_changed(self) -> None:
        bar = self.window.practice_bar
        bar.setVisible(self.active)
        text, typing = self.input_mode()
        bar.set_mode(text, typing=typing)

    def input_mode(self) -> tuple[str, bool]:
        """How the trainee answers and why: (explanation, whether they type)."""
        p = self.panel
        if not p.launcher.can_hear_trainee(p.settings):
            return ("未安装语音模型，无法识别您的语音：请在下面输入回复。"
                    "在“设置 → 模型”中安装后可以直接说话。", True)
        if not p.settings.agent_device:
            return ("还没有选择坐席麦克风：请在下面输入回复，或在“设置 → 设备”中选择麦克风。", True)
        return ("请对着麦克风回答客户（建议戴耳机，以免客户的声音被当成您的）。", False)

    def start(self, *, pace: float | None = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        """Start the scenario picked in the practice bar; ``pace=None`` plays the customer instantly
        and ``clock`` is the practice's call clock (tests)."""
        p = self.panel
        if p.call_running():
            return
        index = self.window.practice_bar.selected_index()
        if not 0 <= index < len(p.scenarios):
            return
        p.set_mode(CallMode.PRACTICE)
        p.scenario = p.scenarios[index]
        _text, typing = self.input_mode()
        voice = None if typing else p.launcher.practice_voice(p.settings)
        player = p.demo.player() if pace == 1.0 else None
        self.score = None
        library = p.library
        judge = (lambda: ReplyJudge(library)) if library is not None else None
        p.start_session(PracticeSource(p.scenario, voice=voice, player=player, pace=pace, clock=clock,
                                       judge=judge))
        self.window.practice_bar.set_running(True)

    def _source(self) -> PracticeSource | None:
        source = self.panel.source
        return source if isinstance(source, PracticeSource) else None

    def submit_reply(self, text: str) -> None:
        """A typed reply from the practice bar; only while the bar shows it is the trainee's turn."""
        bar = self.window.practice_bar
        if not bar.reply_enabled():
            return
        source = self._source()
        if source is not None and source.submit_text(text):
            bar.clear_reply()
            bar.set_your_turn(None)

    def on_final(self, ev: FinalText) -> None:
        if self.active and ev.speaker is Speaker.AGENT:
            self.window.practice_bar.set_your_turn(None)

    def on_status(self, ev: StatusEvent) -> None:
        if not isinstance(ev, PracticeTurn):
            return
        self.window.practice_bar.set_your_turn(ev.message)
        if self.panel.live.finals == 0:
            self.panel.live.suggest_greeting()

    def finish(self, o: CallOutcome) -> None:
        """Score the practice against the norms and record it for the trainee (off the GUI thread)."""
        self.window.practice_bar.set_running(False)
        if o.engine is None or o.scenario is None:
            return
        source = self._source()
        replies = source.replies if source is not None else []
        try:
            typed = source is not None and source.voice is None
            score = self.score = score_practice(o.engine, o.scenario, replies, typed=typed)
        except Exception:
            log.exception("practice scoring failed")
            return
        store = self.panel.store
        if store is None:
            return
        trainee = self.window.practice_bar.trainee_name()
        self.panel.saves.submit(
            lambda: save_practice(store, trainee, score, started=o.started, call_id=o.saved_call_id),
            lambda _row: None, lambda exc: log.error("saving the practice failed: %r", exc))
