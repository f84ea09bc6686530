"""Demo/training scenarios: the typed model of ``resources/scenarios/*.yaml`` (loader: ``scenario.py``).

A scenario is a scripted call: metadata for the trainer's picker, the caller's record data, the
turns (who says what, after how long a pause, optionally how fast and how loud) and, per turn, the
guidance an agent should see at that point. Validation works like the script library's: every
problem in every file is collected and reported as ``file: turn[n].field: why``; unknown keys are
errors, so a typo in a trainer's file never passes silently.

Format (all text Simplified Chinese)::

    id: angry_bill                 # unique; defaults to the file name
    title: 账单争议：情绪激动的客户
    situation: 客户认为话费被多扣……    # one or two sentences for the picker
    difficulty: hard               # easy | medium | hard
    direction: inbound             # inbound | outbound (default inbound)
    caller: {name: 王, title: 先生, gender: 男, phone: "13812345678"}   # optional, pre-fills the work order
    expect_end: {score_min: 60, score_max: 100}                         # optional
    practice: {pass_score: 70, weights: {hold: 2}}   # optional, practice mode (trainee = agent):
                                   # pass mark and score-item weights (keys: scoring items)
    audio: audio/angry_bill        # optional folder of per-turn clips with manifest.json, written by
                                   # scripts/synth_scenario_audio.py; every turn needs its clip
    turns:
      - speaker: customer          # agent | customer
        text: 你们怎么又乱扣我话费！
        pause: 0.8                 # seconds of silence before the turn (default 0.6)
        rate: 230                  # optional speaking rate, 字/分 (default 190)
        overlap: 0.8               # optional: starts this long before the previous turn ends (no pause)
        loudness: 8                # optional: dB louder than the speaker's usual level
        audio: calls/001_customer.wav   # optional, relative to the scenario file
        note: 客户一开口就很激动    # optional trainer note
        if_bad: 你这是什么态度？我要投诉你！   # optional, customer turns, practice mode only: what the
                                   # customer says instead when the trainee's reply just before was
                                   # bad (a 服务忌语, or no soothing for an angry customer); without
                                   # it a default escalation line is said (training/judge.py)
        expect:
          phase: [asking, other]            # the utterance's label is one of these
          call_phase: soothing              # where the call stands after it (one of)
          flags: [shirk, vulgar.wei]        # each must fire on this turn: a rule id or its category
          no_flags: true                    # nothing may fire on this turn
          emotion: [angry, complaint_escalation]   # customer emotion label is one of these
          suggest: [soothing]               # a suggestion for one of these steps is offered after it
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assist_app import scores
from assist_app.events import EmotionLabel, Phase, Speaker
from assist_app.validation import NOT_IN_FILE, ValidationError

DIFFICULTIES = ("easy", "medium", "hard")
DIRECTIONS = ("inbound", "outbound")
DEFAULT_PAUSE_S = 0.6
DEFAULT_RATE_CPM = 190.0  # seed 000: 180–200 字/分钟

#: Score items of ``analysis.scoring.score_call`` a scenario may weight for practice.
SCORE_ITEM_KEYS = scores.SCORE_ITEM_KEYS
DEFAULT_PASS_SCORE = 60.0
MANIFEST = "manifest.json"
_END = {"key": "expect_end"}
_PRACTICE = {"key": "practice"}


class ScenarioError(ValidationError):
    """One or more problems in scenario files; ``problems`` lists ``file: where.field: why`` (Chinese)."""


@dataclass(frozen=True, slots=True)
class TurnExpectation:
    """The guidance expected right after one turn; empty fields mean "not checked"."""

    phases: tuple[Phase, ...] = field(default=(), metadata={"key": "phase"})
    call_phases: tuple[Phase, ...] = field(default=(), metadata={"key": "call_phase"})
    flags: tuple[str, ...] = ()
    no_flags: bool = False
    emotions: tuple[EmotionLabel, ...] = field(default=(), metadata={"key": "emotion"})
    suggest: tuple[Phase, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.phases or self.call_phases or self.flags or self.no_flags or self.emotions
                    or self.suggest)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance of the scripted call."""

    index: int = field(metadata=NOT_IN_FILE)
    speaker: Speaker
    text: str
    pause: float = DEFAULT_PAUSE_S
    rate_cpm: float = field(default=DEFAULT_RATE_CPM, metadata={"key": "rate"})
    overlap: float = 0.0
    loudness_db: float | None = field(default=None, metadata={"key": "loudness"})
    audio: Path | None = None
    note: str = ""
    expect: TurnExpectation = field(default_factory=TurnExpectation)
    # length of the turn's clip, when the scenario has audio
    audio_s: float | None = field(default=None, metadata=NOT_IN_FILE)
    if_bad: str = ""  # practice: the customer's line instead of ``text`` after a bad reply

    @property
    def duration(self) -> float:
        """Seconds the turn takes to say: its clip's length, else the text at its speaking rate."""
        if self.audio_s is not None:
            return self.audio_s
        return max(0.4, len(self.text) * 60.0 / self.rate_cpm)


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller's record data (seed 004's fields) used to pre-fill the work-order draft."""

    name: str = ""
    title: str = ""
    gender: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario; built only by ``load_scenario``/``load_scenarios``."""

    id: str
    title: str
    situation: str
    difficulty: str
    direction: str
    turns: tuple[Turn, ...]
    caller: Caller = field(default_factory=Caller)
    score_min: float | None = field(default=None, metadata=_END)
    score_max: float | None = field(default=None, metadata=_END)
    path: Path | None = field(default=None, metadata=NOT_IN_FILE)
    pass_score: float = field(default=DEFAULT_PASS_SCORE, metadata=_PRACTICE)
    # practice score-item weights (others weigh 1)
    weights: tuple[tuple[str, float], ...] = field(default=(), metadata=_PRACTICE)
    audio_dir: Path | None = field(default=None, metadata={"key": "audio"})

    @property
    def has_audio(self) -> bool:
        return all(t.audio is not None for t in self.turns)

    @property
    def difficulty_zh(self) -> str:
        return {"easy": "简单", "medium": "中等", "hard": "困难"}[self.difficulty]

    @property
    def duration(self) -> float:
        """Approximate length of the scripted call in seconds of call audio."""
        from assist_app.demo.source import plan_timings

        return max((tm.end for tm in plan_timings(self)), default=0.0)
