"""Practice mode: the trainee plays the agent, the scenario plays the customer.

``PracticeSource`` is a ``CallSource``, so a practice call runs through the same ``CallSession``
and guidance engine as a real call and the trainee sees the same guidance. It walks the
scenario's turns:

- a customer turn is spoken (its clip on the speakers when a player is given) and shown as
  growing partial text and a final, at the clip's pace;
- at an agent turn it waits for the trainee: either their voice (``voice``: any ``CallSource``
  emitting the agent's ``PartialText``/``FinalText``, e.g. the microphone through a recogniser;
  tests use a scripted one) or a typed reply (``submit_text``). Each final reply answers one
  agent turn; while waiting, ``your_turn`` is set and a ``PracticeTurn`` event says so.

A bad reply provokes the customer (issue 12.7): with a ``judge`` (``training.judge.ReplyJudge``
factory), every reply is judged as the customer would hear it; after a 服务忌语 or a reply that
skips soothing an angry customer, the next customer turn says its ``if_bad`` line (or the judge's
default escalation line) instead of its scripted text, louder and faster, without the scripted clip;
when the script has no customer turn next, the escalation is said right away. The session's engine
then reads the emotion from what was actually said.

Call time is wall time since the start (hold and silence timers run as in a real call), except
that it stands still while the trainee types a reply: typing is not the customer waiting.
``pace=None`` plays the customer instantly and counts call time virtually (tests). Level events
every 100 ms keep the meters and the session's timers moving while nobody speaks.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from assist_app.demo.scenario import Scenario, Turn, TurnExpectation, shown_note
from assist_app.events import (
    AcousticFeatures,
    Event,
    FinalText,
    LevelEvent,
    PartialText,
    PracticeTurn,
    Speaker,
    StatusEvent,
)
from assist_app.pipeline.session import CallSource, EmitFn
from assist_app.training.judge import BadReply, ReplyJudge

if TYPE_CHECKING:
    from assist_app.audio.playback import ClipPlayer

log = logging.getLogger(__name__)

LEVEL_STEP_S = 0.1
QUIET_DBFS = -62.0
TYPED_RATE_CPM = 190.0  # how long a typed reply "takes to say", for call time only
ESCALATION_RATE_CPM = 240.0  # a provoked customer speaks fast…
ESCALATION_LOUDNESS_DB = 10.0  # …and loud
ESCALATION_NOTE = "客户被激怒了：先道歉、安抚情绪，再处理问题。"


class PracticeSource:
    """See the module docstring."""

    def __init__(self, scenario: Scenario, *, voice: CallSource | None = None,
                 player: ClipPlayer | None = None, pace: float | None = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 judge: Callable[[], ReplyJudge] | None = None) -> None:
        self.scenario = scenario
        self._judge_factory = judge  # built on the session thread: it loads the analysis kit
        self.name = f"practice:{scenario.id}"
        self.voice = voice
        self.player = player
        self.pace = pace
        self._clock = clock
        self._start = 0.0
        self._virtual_t = 0.0
        self._inbox: queue.Queue[FinalText] = queue.Queue(maxsize=100)
        self._lock = threading.Lock()
        self.your_turn = threading.Event()
        self.expected: Turn | None = None  # the scripted agent turn the trainee is answering
        self.replies: list[tuple[int, str]] = []  # (turn index, what the trainee said/typed)
        self.escalations: list[tuple[int, str]] = []  # (turn index, what the provoked customer said)
        self._hint = ""  # the note for the trainee's next turn, when the script's own does not fit

    # -- trainee input (any thread) ---------------------------------------------------------

    def submit_text(self, text: str) -> bool:
        """A typed reply; False when it is not the trainee's turn or the text is empty."""
        text = text.strip()
        if not text or not self.your_turn.is_set():
            return False
        t = self.now()
        # start == end: no speaking rate is measured from typing speed
        self._inbox.put_nowait(FinalText(t=t, speaker=Speaker.AGENT, text=text, start=t, end=t,
                                         acoustic=AcousticFeatures()))
        return True

    def waiting_turn(self) -> int | None:
        """The index of the scripted agent turn the trainee should answer now, or None."""
        turn = self.expected
        return turn.index if turn is not None and self.your_turn.is_set() else None

    def now(self) -> float:
        """Call time in seconds."""
        with self._lock:
            if self.pace is None:
                return self._virtual_t
            return self._clock() - self._start

    # -- CallSource -------------------------------------------------------------------------

    def run(self, emit: EmitFn, stop: threading.Event) -> None:
        self._start = self._clock()
        voice_thread: threading.Thread | None = None
        if self.voice is not None:
            voice = self.voice

            def voice_emit(ev: Event) -> None:
                if isinstance(ev, FinalText) and ev.speaker is Speaker.AGENT and self.your_turn.is_set():
                    self._inbox.put_nowait(ev)
                    return
                if ev.speaker is Speaker.AGENT or isinstance(ev, StatusEvent):
                    emit(ev)  # partials, levels and problems of the trainee's side as they happen

            voice_thread = threading.Thread(target=voice.run, args=(voice_emit, stop), name="practice-voice",
                                            daemon=True)
            voice_thread.start()
        judge = self._judge_factory() if self._judge_factory is not None else None
        bad: BadReply | None = None
        try:
            for turn in self.scenario.turns:
                if stop.is_set():
                    return
                if turn.speaker is Speaker.CUSTOMER:
                    said = turn if bad is None else self._escalation(turn, turn.if_bad or bad.value)
                    bad = None
                    if not self._customer_turn(said, emit, stop):
                        return
                    if judge is not None:
                        judge.hear_customer(said.text, self._acoustic(said))
                    continue
                if bad is not None:  # no customer turn came next in the script: escalate now
                    said = self._escalation(replace(turn, pause=0.4), bad.value)
                    bad = None
                    if not self._customer_turn(said, emit, stop):
                        return
                    if judge is not None:
                        judge.hear_customer(said.text, self._acoustic(said))
                if not self._trainee_turn(turn, emit, stop):
                    return
                if judge is not None:
                    bad = judge.judge(self.replies[-1][1])
            if bad is not None:  # the last reply was bad: the customer has the last word
                last = self.scenario.turns[-1]
                self._customer_turn(self._escalation(replace(last, pause=0.4), bad.value), emit, stop)
            self._idle(self.now() + 0.5, emit, stop)
        finally:
            self.your_turn.clear()
            if self.player is not None:
                self.player.stop()
            if voice_thread is not None:
                stop.set()  # the script is over: the microphone closes with the call
                voice_thread.join(timeout=3.0)

    # -- turns ------------------------------------------------------------------------------

    def _escalation(self, turn: Turn, text: str) -> Turn:
        """``turn`` said by a provoked customer: ``text`` instead of the script, no scripted clip."""
        self.escalations.append((turn.index, text))
        self._hint = ESCALATION_NOTE
        return replace(turn, speaker=Speaker.CUSTOMER, text=text, audio=None, audio_s=None, overlap=0.0,
                       rate_cpm=ESCALATION_RATE_CPM,
                       loudness_db=max(turn.loudness_db or 0.0, ESCALATION_LOUDNESS_DB), note=ESCALATION_NOTE,
                       if_bad="", expect=TurnExpectation())

    @staticmethod
    def _acoustic(turn: Turn) -> AcousticFeatures:
        return AcousticFeatures(loudness_rel_db=turn.loudness_db, rate_cpm=turn.rate_cpm)

    def _customer_turn(self, turn: Turn, emit: EmitFn, stop: threading.Event) -> bool:
        start = self.now() + turn.pause
        if not self._idle(start, emit, stop):
            return False
        if self.player is not None and turn.audio is not None and self.pace == 1.0:
            from assist_app.demo.audio import load_clip

            try:
                self.player.play(load_clip(turn), 16_000)
            except Exception as exc:
                log.warning("cannot play the customer's clip: %s", exc)
        end = start + turn.duration
        n = len(turn.text)
        for i in range(2, n, 2):
            t = start + (end - start) * i / n
            if not self._idle(t, emit, stop, speaking=turn):
                return False
            emit(PartialText(t=t, speaker=Speaker.CUSTOMER, text=turn.text[:i]))
        if not self._idle(end, emit, stop, speaking=turn):
            return False
        emit(FinalText(t=end, speaker=Speaker.CUSTOMER, text=turn.text, start=round(start, 3), end=round(end, 3),
                       acoustic=self._acoustic(turn), turn=turn.index))
        return True

    def _trainee_turn(self, turn: Turn, emit: EmitFn, stop: threading.Event) -> bool:
        self.expected = turn
        self.your_turn.set()
        prev = self.scenario.turns[turn.index - 1] if turn.index > 0 else None
        note = turn.note or (prev.note if prev is not None and prev.speaker is Speaker.CUSTOMER else "")
        note = shown_note(self._hint or note)
        self._hint = ""
        hint = f"（提示：{note}）" if note else ""
        customer_spoke = any(t.speaker is Speaker.CUSTOMER for t in self.scenario.turns[: turn.index])
        ask = "请回应客户" if customer_spoke else "电话已接通，请先问候客户"
        emit(PracticeTurn(t=self.now(), message=f"轮到您了：{ask}{hint}"))
        typed = self.voice is None
        began = self.now()
        try:
            while not stop.is_set():
                try:
                    reply = self._inbox.get(timeout=LEVEL_STEP_S if self.pace is not None else 0.05)
                except queue.Empty:
                    if not typed:  # a spoken reply's pauses are real call time; typing is not
                        self._idle(self.now() + LEVEL_STEP_S, emit, stop)
                    continue
                self.your_turn.clear()
                if self.pace is None:  # virtual time: the reply takes as long as saying it
                    with self._lock:
                        self._virtual_t += len(reply.text) * 60.0 / TYPED_RATE_CPM
                        t = self._virtual_t
                    reply = replace(reply, t=t, start=t, end=t)
                elif typed:
                    # Call time stood still while the trainee typed (no "让客户等待了21秒" for
                    # typing); the reply is said as soon as the turn came, taking its speaking time.
                    t = began + len(reply.text) * 60.0 / TYPED_RATE_CPM
                    with self._lock:
                        self._start += self._clock() - self._start - t
                    reply = replace(reply, t=t, start=t, end=t)
                self.replies.append((turn.index, reply.text))
                emit(reply)
                return True
            return False
        finally:
            self.your_turn.clear()
            self.expected = None

    def _idle(self, until: float, emit: EmitFn, stop: threading.Event, speaking: Turn | None = None) -> bool:
        """Let call time reach ``until``, emitting the customer's level (and the agent's when no
        voice source measures it) every 100 ms; False if stopped."""
        if self.pace is None:
            with self._lock:
                self._virtual_t = max(self._virtual_t, until)
            return not stop.is_set()
        while True:
            now = self.now()
            if now >= until:
                return True
            cust_db = -20.0 + (speaking.loudness_db or 0.0) if speaking is not None else QUIET_DBFS
            emit(LevelEvent(t=now, speaker=Speaker.CUSTOMER, dbfs=cust_db, voiced=speaking is not None))
            if self.voice is None:
                emit(LevelEvent(t=now, speaker=Speaker.AGENT, dbfs=QUIET_DBFS, voiced=False))
            if stop.wait(min(LEVEL_STEP_S, until - now) / self.pace):
                return False


class ScriptedVoice:
    """A stand-in for the microphone + recogniser: says the given lines, one per trainee turn, as
    growing partial results and a final (tests and the spoken path without a model)."""

    name = "scripted-voice"

    def __init__(self, lines: list[str], waiting_turn: Callable[[], int | None], *,
                 now: Callable[[], float]) -> None:
        self.lines = list(lines)
        self._waiting_turn = waiting_turn
        self._now = now

    def run(self, emit: EmitFn, stop: threading.Event) -> None:
        answered: int | None = None
        for line in self.lines:
            while (turn := self._waiting_turn()) is None or turn == answered:
                if stop.wait(0.02):
                    return
            answered = turn
            t = self._now()
            for i in range(2, len(line), 2):
                emit(PartialText(t=t, speaker=Speaker.AGENT, text=line[:i]))
            emit(FinalText(t=t, speaker=Speaker.AGENT, text=line, start=t, end=t))
