"""``ScriptedTranscriptSource``: replays a scenario's turns as if a recogniser were hearing them.

It implements the session's ``CallSource`` protocol, so a demo call runs through exactly the same
``CallSession`` → engine → UI path as a live call (STYLE.md: one path for live, demo and test).
Each turn becomes growing ``PartialText`` prefixes at speaking pace and then one ``FinalText`` with
its start/end times and acoustic features; ``LevelEvent`` blocks for both channels every 100 ms of
call audio keep the meters moving and call time advancing through pauses (hold timers need it).

Wall-clock pacing is ``call seconds / speed``; ``speed=None`` plays as fast as possible (tests,
headless runs). A trainer can ``pause()``, ``resume()``, ``step()`` (play through the next turn's
final text, then pause) and change the speed while it plays. All controls are thread-safe.

When the scenario has audio and a ``ClipPlayer`` is given, each turn's clip is played as the turn
starts, so the transcript appears in time with the voices; only at 1× and not while stepping (a
clip cannot be sped up without changing the voice), and pausing silences it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assist_app.demo.scenario import Scenario
from assist_app.events import AcousticFeatures, Event, FinalText, LevelEvent, PartialText, Speaker

if TYPE_CHECKING:
    from assist_app.audio.playback import ClipPlayer

log = logging.getLogger(__name__)

TARGET_RATE = 16_000  # the clips' sample rate (scripts/synth_scenario_audio.py)
LEVEL_STEP_S = 0.1
SPEED_MIN, SPEED_MAX = 0.5, 4.0
SILENCE_DBFS = -62.0


@dataclass(frozen=True, slots=True)
class _Cue:
    """One scheduled item of the timeline; events are built when emitted so ``wall`` is true."""

    t: float
    kind: str  # level | start | partial | final
    speaker: Speaker
    turn: int = -1
    text: str = ""
    dbfs: float = SILENCE_DBFS
    voiced: bool = False
    start: float = 0.0
    acoustic: AcousticFeatures | None = None


@dataclass(frozen=True, slots=True)
class TurnTiming:
    """When a turn is spoken, in call seconds."""

    index: int
    start: float
    end: float


def plan_timings(scenario: Scenario) -> list[TurnTiming]:
    """Start/end of every turn: the previous turn's end plus the pause, or minus the overlap."""
    out: list[TurnTiming] = []
    prev_end = 0.0
    for turn in scenario.turns:
        if not out:
            start = turn.pause
        elif turn.overlap:
            start = max(0.0, prev_end - turn.overlap)  # talks over the previous turn; no pause
        else:
            start = prev_end + turn.pause
        end = start + turn.duration
        out.append(TurnTiming(turn.index, start, end))
        prev_end = max(prev_end, end)
    return out


def _build_timeline(scenario: Scenario) -> list[_Cue]:
    timings = plan_timings(scenario)
    cues: list[_Cue] = []
    for turn, timing in zip(scenario.turns, timings, strict=True):
        if turn.audio is not None:
            cues.append(_Cue(timing.start, "start", turn.speaker, turn.index))
        n = len(turn.text)
        per_char = (timing.end - timing.start) / max(1, n)
        # ASR partials arrive every couple of characters; punctuation is never "heard" alone.
        for i in range(2, n, 2):
            if turn.text[i - 1] in "，。！？、；：,.!?":
                continue
            cues.append(_Cue(timing.start + i * per_char, "partial", turn.speaker, turn.index, turn.text[:i]))
        overlap_s = 0.0
        for other, ot in zip(scenario.turns, timings, strict=True):
            if other.speaker is not turn.speaker and other.index != turn.index:
                overlap_s += max(0.0, min(ot.end, timing.end) - max(ot.start, timing.start))
        acoustic = AcousticFeatures(
            loudness_rel_db=turn.loudness_db,
            rate_cpm=turn.rate_cpm,
            overlap_s=round(overlap_s, 2) if overlap_s else None,
        )
        cues.append(_Cue(timing.end, "final", turn.speaker, turn.index, turn.text, start=timing.start,
                         acoustic=acoustic))
    end = max((t.end for t in timings), default=0.0) + 0.5
    steps = int(end / LEVEL_STEP_S) + 1
    for speaker in (Speaker.AGENT, Speaker.CUSTOMER):
        # this speaker's turns in time order, walked with one pointer (linear, not turns × steps)
        spans = sorted((tm.start, tm.end, turn) for turn, tm in zip(scenario.turns, timings, strict=True)
                       if turn.speaker is speaker)
        i = 0
        for k in range(steps):
            t = k * LEVEL_STEP_S
            while i < len(spans) and spans[i][1] <= t:
                i += 1
            if i < len(spans) and spans[i][0] <= t:
                turn = spans[i][2]
                # A deterministic wobble so meters look like speech, louder when the script says so.
                base = -20.0 + (turn.loudness_db or 0.0)
                dbfs = min(-1.0, base + 5.0 * math.sin(t * 7.3 + turn.index) * math.sin(t * 2.1))
                cues.append(_Cue(t, "level", speaker, dbfs=dbfs, voiced=True))
            else:
                cues.append(_Cue(t, "level", speaker, dbfs=SILENCE_DBFS + 2.0 * math.sin(t * 3.1)))
    order = {"level": 0, "start": 1, "partial": 2, "final": 3}
    cues.sort(key=lambda c: (c.t, order[c.kind]))
    return cues


class ScriptedTranscriptSource:
    """Replays a scenario as partial/final transcript events at speaking pace (see module doc)."""

    def __init__(self, scenario: Scenario, *, speed: float | None = 1.0,
                 clock: Callable[[], float] = time.monotonic, player: ClipPlayer | None = None) -> None:
        self.scenario = scenario
        self.player = player
        self.clips_played: list[int] = []  # turn indices whose clip was handed to the player
        self.name = f"demo:{scenario.id}"
        self._timeline = _build_timeline(scenario)
        self._clock = clock
        self._cond = threading.Condition()
        self._speed = self._check_speed(speed)
        self._paused = False
        self._step_budget = 0
        self._anchor_wall = 0.0
        self._anchor_t = 0.0
        self._position_t = 0.0
        self.finals_emitted = 0
        self.final_order: list[int] = []  # turn indices in the order their finals were emitted

    @staticmethod
    def _check_speed(speed: float | None) -> float | None:
        if speed is not None and not speed > 0:
            raise ValueError("speed must be positive or None (as fast as possible)")
        return speed

    # -- controls (any thread) ---------------------------------------------------------------

    @property
    def speed(self) -> float | None:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def position(self) -> float:
        """Call seconds played so far."""
        return self._position_t

    @property
    def total_turns(self) -> int:
        return len(self.scenario.turns)

    def set_speed(self, speed: float | None) -> None:
        with self._cond:
            self._speed = self._check_speed(speed)
            self._reanchor()
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._step_budget = 0
            self._cond.notify_all()
        if self.player is not None:
            self.player.stop()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._step_budget = 0
            self._reanchor()
            self._cond.notify_all()

    def step(self) -> None:
        """Play up to and including the next turn's final text, then stay paused."""
        with self._cond:
            self._paused = True
            self._step_budget += 1
            self._reanchor()
            self._cond.notify_all()

    def _reanchor(self) -> None:
        self._anchor_wall = self._clock()
        self._anchor_t = self._position_t

    # -- CallSource ---------------------------------------------------------------------------

    def run(self, emit: Callable[[Event], None], stop: threading.Event) -> None:
        with self._cond:
            self._reanchor()
        try:
            self._run(emit, stop)
        finally:
            if self.player is not None and self.clips_played:
                self.player.stop()

    def _run(self, emit: Callable[[Event], None], stop: threading.Event) -> None:
        for cue in self._timeline:
            if not self._wait_for(cue.t, stop):
                return
            if cue.kind == "start":
                self._play_clip(cue.turn)
                continue
            emit(self._event(cue))
            if cue.kind == "final":
                with self._cond:
                    self.finals_emitted += 1
                    self.final_order.append(cue.turn)
                    if self._paused and self._step_budget > 0:
                        self._step_budget -= 1

    def _play_clip(self, index: int) -> None:
        if self.player is None or self._speed != 1.0 or self._paused:
            return
        from assist_app.demo.audio import load_clip  # numpy/soundfile only when audio is played

        try:
            clip = load_clip(self.scenario.turns[index])
        except Exception as exc:  # an unreadable clip costs the sound, never the demo
            log.warning("cannot play clip of turn %d: %s", index, exc)
            return
        self.clips_played.append(index)
        self.player.play(clip, TARGET_RATE)

    def _wait_for(self, t: float, stop: threading.Event) -> bool:
        """Block until call time ``t`` is due (respecting pause/step/speed); False if stopped."""
        with self._cond:
            while True:
                if stop.is_set():
                    return False
                if self._paused and self._step_budget == 0:
                    self._cond.wait(0.2)
                    continue
                if self._speed is None:
                    self._position_t = max(self._position_t, t)
                    return True
                due = self._anchor_wall + (t - self._anchor_t) / self._speed
                now = self._clock()
                if now >= due:
                    self._position_t = max(self._position_t, t)
                    return True
                self._cond.wait(min(0.2, due - now))

    def _event(self, cue: _Cue) -> Event:
        if cue.kind == "level":
            return LevelEvent(t=cue.t, speaker=cue.speaker, dbfs=cue.dbfs, voiced=cue.voiced)
        if cue.kind == "partial":
            return PartialText(t=cue.t, speaker=cue.speaker, text=cue.text)
        return FinalText(t=cue.t, speaker=cue.speaker, text=cue.text, start=round(cue.start, 3),
                         end=round(cue.t, 3), acoustic=cue.acoustic, turn=cue.turn)
