"""Demo mode: pick a bundled scenario and play it through the real session and engine, with
play/pause, single steps, speed, and each turn's trainer note (issue 11: split out of the panel
controller).

Notes and progress are keyed by the scenario turn an utterance belongs to (``TurnLocator``:
speaker and call time), not by matching its text: with a speech model the demo is heard through
the recogniser, and the recognised text is not the script's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut

from assist_app.audio.playback import ClipPlayer
from assist_app.demo.audio import ScenarioAudioSource
from assist_app.demo.scenario import Scenario, shown_note
from assist_app.demo.source import ScriptedTranscriptSource
from assist_app.demo.turns import TurnLocator
from assist_app.events import FinalText
from assist_app.pipeline.session import CallSource
from assist_app.ui.call_mode import CallMode

if TYPE_CHECKING:
    from assist_app.ui.controller import PanelController


class DemoController(QObject):
    """The demo bar's controls and what the demo adds to the live page."""

    def __init__(self, panel: PanelController, player_factory: Callable[[], ClipPlayer | None] | None = None) -> None:
        super().__init__(panel)
        self.panel = panel
        self.window = panel.window
        self._locator: TurnLocator | None = None
        self._progress = 0  # turns reached so far (第 n/N)
        self._player: ClipPlayer | None = None
        self._player_factory = player_factory  # sound output for scenario audio (None: silent)
        w = self.window
        w.demo_bar.scenario_changed.connect(self.select_scenario)
        w.demo_bar.play_pause.connect(self.play_pause)
        w.demo_bar.step_requested.connect(self.step)
        w.demo_bar.speed_changed.connect(self.set_speed)
        w.demo_bar.stop_requested.connect(panel.end_call)
        panel.bridge.final_text.connect(self.on_final)
        # Space plays/pauses and → steps the demo, whichever control has focus (a focused 演示
        # toggle used to take the Space and leave demo mode mid-call). Text fields keep their
        # Space: Qt gives a focused line edit the key before any shortcut.
        self._keys = [QShortcut(QKeySequence(Qt.Key.Key_Space), w), QShortcut(QKeySequence(Qt.Key.Key_Right), w)]
        self._keys[0].activated.connect(self.play_pause)
        self._keys[1].activated.connect(self.step)
        for key in self._keys:
            key.setAutoRepeat(False)
            key.setEnabled(False)

    @property
    def active(self) -> bool:
        return self.panel.mode is CallMode.DEMO

    def mode_changed(self) -> None:
        on = self.active
        for key in self._keys:
            key.setEnabled(on)
        self.window.demo_bar.setVisible(on)

    # -- scenarios -----------------------------------------------------------------------------

    def select_scenario(self, index: int) -> None:
        p = self.panel
        if not 0 <= index < len(p.scenarios) or p.call_running():
            return
        if p.scenario is not p.scenarios[index]:
            p.clear_views()
        p.scenario = p.scenarios[index]
        self.window.demo_bar.show_scenario(p.scenario)
        self.window.demo_bar.select_index(index)

    def select_scenario_id(self, scenario_id: str) -> bool:
        for i, s in enumerate(self.panel.scenarios):
            if s.id == scenario_id:
                self.select_scenario(i)
                return True
        return False

    def player(self) -> ClipPlayer | None:
        """The sound output for scenario audio, made on first use (None without a device)."""
        if self._player is None and self._player_factory is not None:
            self._player = self._player_factory()
            self._player_factory = None  # asked once: no device now means no device this session
        return self._player

    # -- playing -------------------------------------------------------------------------------

    def start(self, speed: float | None = None, *, flat_out: bool = False) -> None:
        """Play the selected scenario through a real session and engine.

        ``speed`` defaults to the demo bar's; ``flat_out`` plays as fast as possible (tests).
        """
        p = self.panel
        scenario = p.scenario
        if scenario is None or p.call_running():
            return
        p.set_mode(CallMode.DEMO)
        spd = None if flat_out else (speed if speed is not None else self.window.demo_bar.speed_value())
        player = None if flat_out else self.player()
        asr = p.launcher.demo_asr(p.settings) if scenario.has_audio and not flat_out else None
        source: CallSource
        if asr is not None:
            # With a speech model the demo is heard, not read: the audio goes through the recognizer.
            source = ScenarioAudioSource(scenario, asr, player=player)
        else:
            source = ScriptedTranscriptSource(scenario, speed=spd, player=player)
        p.start_session(source)

    def _scripted(self) -> ScriptedTranscriptSource | None:
        source = self.panel.source
        return source if isinstance(source, ScriptedTranscriptSource) else None

    def play_pause(self) -> None:
        if not self.panel.call_running():
            self.start()
        elif (src := self._scripted()) is not None:
            if src.paused:
                src.resume()
            else:
                src.pause()
        self.update_state()

    def step(self) -> None:
        if not self.panel.call_running():
            self.start()
            if (src := self._scripted()) is not None:
                src.pause()
        if (src := self._scripted()) is not None:
            src.step()
        self.update_state()

    def set_speed(self, speed: float) -> None:
        if (src := self._scripted()) is not None:
            src.set_speed(speed)

    def update_state(self) -> None:
        src = self._scripted()
        self.window.demo_bar.set_state(playing=self.panel.call_running(), paused=src is not None and src.paused)

    # -- during the call -----------------------------------------------------------------------

    def call_starting(self, scenario: Scenario | None) -> None:
        self._locator = TurnLocator(scenario) if scenario is not None and self.active else None
        self._progress = 0

    def clear_views(self) -> None:
        bar = self.window.demo_bar
        bar.set_note("")
        bar.clear_progress()
        scenario = self.panel.scenario
        if scenario is not None and self.active:
            bar.set_progress(0, len(scenario.turns))

    def on_final(self, ev: FinalText) -> None:
        locator = self._locator
        if not self.active or locator is None or ev.speaker is None:
            return
        start = ev.start if ev.start is not None else ev.t
        turn = locator.turn_at(ev.speaker, start, ev.end if ev.end is not None else ev.t)
        if turn is not None:
            self._progress = max(self._progress, locator.position(turn))
        self.window.demo_bar.set_progress(self._progress, len(locator.scenario.turns))
        self.window.demo_bar.set_note(shown_note(turn.note) if turn is not None else "")
