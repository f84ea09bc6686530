"""The Qt edge of the pipeline: a GUI-thread timer drains a session's ``outbound`` queue into signals.

Worker threads never emit Qt signals (PySide6 has crashed on cross-thread emits to non-slot
receivers, STYLE.md); they only put events in a bounded queue. ``SessionBridge`` polls it every
frame (16 ms), handles at most ``MAX_PER_TICK`` events per tick so a burst never freezes the
window, and re-emits each event as a typed signal on the GUI thread. A flag therefore reaches the
screen in the same frame its event is drained.
"""

from __future__ import annotations

import queue

from PySide6.QtCore import QObject, QTimer, Signal

from assist_app.events import (
    CallEnded,
    CallStarted,
    ConductEvent,
    EmotionEvent,
    Event,
    FinalText,
    FlagRaised,
    HoldChanged,
    LevelEvent,
    PartialText,
    PhaseEvent,
    PracticeTurn,
    StatusEvent,
    SuggestionEvent,
)


class SessionBridge(QObject):
    """Drains one ``queue.Queue[Event]`` on the GUI thread and emits typed signals."""

    FRAME_MS = 16
    MAX_PER_TICK = 400

    event_received = Signal(object)  # every event, before the typed signal
    level_changed = Signal(object)  # LevelEvent
    partial_text = Signal(object)  # PartialText
    final_text = Signal(object)  # FinalText
    flag_raised = Signal(object)  # FlagRaised
    conduct_noted = Signal(object)  # ConductEvent
    emotion_changed = Signal(object)  # EmotionEvent
    phase_changed = Signal(object)  # PhaseEvent
    suggestions_ready = Signal(object)  # SuggestionEvent
    status_changed = Signal(object)  # StatusEvent
    call_started = Signal(object)  # CallStarted
    call_ended = Signal(object)  # CallEnded
    hold_changed = Signal(object)  # HoldChanged

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[Event] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(self.FRAME_MS)
        self._timer.timeout.connect(self.drain)
        self._routes = {
            LevelEvent: self.level_changed,
            PartialText: self.partial_text,
            FinalText: self.final_text,
            FlagRaised: self.flag_raised,
            ConductEvent: self.conduct_noted,
            EmotionEvent: self.emotion_changed,
            PhaseEvent: self.phase_changed,
            SuggestionEvent: self.suggestions_ready,
            StatusEvent: self.status_changed,
            PracticeTurn: self.status_changed,  # a StatusEvent subclass: the practice bar's cue
            CallStarted: self.call_started,
            CallEnded: self.call_ended,
            HoldChanged: self.hold_changed,
        }

    def attach(self, outbound: queue.Queue[Event]) -> None:
        self._queue = outbound
        self._timer.start()

    def detach(self) -> None:
        """Drain what is left, then stop polling."""
        self.drain()
        self._timer.stop()
        self._queue = None

    @property
    def attached(self) -> bool:
        return self._queue is not None

    def drain(self) -> int:
        q = self._queue
        if q is None:
            return 0
        n = 0
        while n < self.MAX_PER_TICK:
            try:
                event = q.get_nowait()
            except queue.Empty:
                break
            n += 1
            self.dispatch(event)
        return n

    def dispatch(self, event: Event) -> None:
        """Emit ``event`` as its typed signal (also used to replay recorded events)."""
        self.event_received.emit(event)
        signal = self._routes.get(type(event))
        if signal is not None:
            signal.emit(event)
